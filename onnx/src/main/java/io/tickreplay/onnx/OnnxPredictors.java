package io.tickreplay.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tickreplay.engine.models.Predictor;
import io.tickreplay.engine.models.PredictorFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ONNX files run by ONNX Runtime (spec/models.md, "ONNX models"): the features in one float32 tensor
 * {@code [1, n]} in declared order, the prediction the first element of the first output as a double;
 * nothing else transformed. A file's session is opened once per process and shared (ONNX Runtime's
 * sessions run concurrently); each chain's predictor has its own input buffer. Loaded by the api in a
 * class loader of its own, from {@code onnx/target/onnx.classpath}.
 */
public final class OnnxPredictors implements PredictorFactory
{
    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final Map<Path, OrtSession> sessions = new ConcurrentHashMap<>();

    @Override
    public Predictor open(final Path file, final int features) throws IOException
    {
        final OrtSession session;
        try
        {
            session = sessions.computeIfAbsent(file.toAbsolutePath().normalize(), f ->
            {
                try
                {
                    final OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                    options.setIntraOpNumThreads(1); // one bar at a time on the chain's thread: no pool to wake
                    options.setInterOpNumThreads(1);
                    return environment.createSession(f.toString(), options);
                }
                catch (final OrtException e)
                {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
        }
        catch (final IllegalStateException e)
        {
            throw new IOException("ONNX Runtime could not open " + file + ": " + e.getMessage(), e);
        }
        final String input = session.getInputNames().iterator().next();
        final FloatBuffer buffer = ByteBuffer.allocateDirect(features * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        final long[] shape = {1, features};
        return (symbolId, close, x) ->
        {
            for (int i = 0; i < features; i++)
            {
                if (!Double.isFinite(x[i]))
                {
                    return Double.NaN; // a null feature: no prediction (spec)
                }
                buffer.put(i, (float)x[i]);
            }
            try (OnnxTensor tensor = OnnxTensor.createTensor(environment, buffer, shape);
                 OrtSession.Result result = session.run(Map.of(input, tensor)))
            {
                return first(result.get(0));
            }
            catch (final OrtException e)
            {
                throw new IllegalStateException("ONNX Runtime failed on " + file + ": " + e.getMessage(), e);
            }
        };
    }

    /** The first element of an output tensor, whatever its rank and numeric type. */
    private static double first(final OnnxValue value) throws OrtException
    {
        Object v = value.getValue();
        while (v != null && v.getClass().isArray())
        {
            if (v instanceof float[] f)
            {
                return f[0];
            }
            if (v instanceof double[] d)
            {
                return d[0];
            }
            if (v instanceof long[] l)
            {
                return l[0];
            }
            if (v instanceof int[] i)
            {
                return i[0];
            }
            v = ((Object[])v)[0];
        }
        if (v instanceof Number n)
        {
            return n.doubleValue();
        }
        throw new IllegalStateException("the model's first output is not a numeric tensor: " + value.getInfo());
    }
}
