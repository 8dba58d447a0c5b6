package io.tickreplay.adapters.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ONNX files examples/models/make_test_models.py wrote with the onnx package, read without ONNX Runtime. */
class OnnxModelFileTest
{
    static final Path MODELS = Path.of("..", "examples", "models");

    @TempDir
    Path dir;

    @Test
    void readsTheInputsOutputsVersionAndMetadataOfALinearModel() throws IOException
    {
        final OnnxModelFile model = OnnxModelFile.read(MODELS.resolve("linear3.onnx"));
        assertThat(model.irVersion()).isEqualTo(8);
        assertThat(model.modelVersion()).isEqualTo(3);
        assertThat(model.inputs()).hasSize(1); // W and b are initializers, not inputs
        final OnnxModelFile.Value input = model.inputs().get(0);
        assertThat(input.name()).isEqualTo("features");
        assertThat(input.elemType()).isEqualTo(OnnxModelFile.FLOAT);
        assertThat(input.dims()).containsExactly(-1, 3);
        assertThat(input.shape()).isEqualTo("[batch, 3]");
        assertThat(model.outputs()).extracting(OnnxModelFile.Value::name).containsExactly("prediction");
        assertThat(model.metadata()).containsEntry("features", "close,spread_bps,rsi_14").containsEntry("training_start", "2025-10-01T00:00:00Z");
    }

    @Test
    void tellsADoubleInputAndAWiderOne() throws IOException
    {
        assertThat(OnnxModelFile.read(MODELS.resolve("linear3_double.onnx")).inputs().get(0).typeName()).isEqualTo("double");
        assertThat(OnnxModelFile.read(MODELS.resolve("linear4.onnx")).inputs().get(0).dims()).containsExactly(-1, 4);
    }

    @Test
    void aFileThatIsNotOnnxIsRefusedNamingIt() throws IOException
    {
        final Path text = Files.writeString(dir.resolve("model.onnx"), "close,spread_bps\n1,2\n");
        assertThatThrownBy(() -> OnnxModelFile.read(text)).isInstanceOf(IOException.class).hasMessageContaining(text.toString())
            .hasMessageContaining("is not an ONNX model");
        final byte[] whole = Files.readAllBytes(MODELS.resolve("linear3.onnx"));
        final Path cut = Files.write(dir.resolve("cut.onnx"), Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> OnnxModelFile.read(cut)).isInstanceOf(IOException.class).hasMessageContaining("is not an ONNX model");
        final Path empty = Files.write(dir.resolve("empty.onnx"), new byte[0]);
        assertThatThrownBy(() -> OnnxModelFile.read(empty)).isInstanceOf(IOException.class).hasMessageContaining("no ir_version");
    }
}
