package io.tickreplay.adapters.models;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an ONNX file declares about itself, read from its protobuf without ONNX Runtime (whose 139 MB
 * jar stays off the classpath until a run uses a model): the graph's inputs (name, element type,
 * shape), its outputs, {@code model_version} and the {@code metadata_props}. Enough to refuse a file
 * that is not ONNX, or whose inputs do not match the features it is registered with, when it is added.
 *
 * <p>Reads the protobuf wire format directly: the few fields of {@code onnx.proto} used here, every
 * other field skipped by its wire type. Initializers listed among the graph's inputs (IR version < 4)
 * are not inputs the caller feeds, and are left out.
 */
public final class OnnxModelFile
{
    /** {@code TensorProto.DataType} values by name, for messages. */
    private static final String[] ELEM_TYPES = {"undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64", "string", "bool",
        "float16", "double", "uint32", "uint64", "complex64", "complex128", "bfloat16"};
    public static final int FLOAT = 1;

    /** A graph input or output: its name, element type ({@code TensorProto.DataType}, 0 when not a tensor) and dims (-1 for a symbolic one). */
    public record Value(String name, int elemType, long[] dims, List<String> dimNames)
    {
        public String typeName()
        {
            return elemType >= 0 && elemType < ELEM_TYPES.length ? ELEM_TYPES[elemType] : "type " + elemType;
        }

        public String shape()
        {
            if (dims == null)
            {
                return "unknown";
            }
            final List<String> parts = new ArrayList<>();
            for (int i = 0; i < dims.length; i++)
            {
                parts.add(dims[i] >= 0 ? Long.toString(dims[i]) : dimNames.get(i).isEmpty() ? "?" : dimNames.get(i));
            }
            return "[" + String.join(", ", parts) + "]";
        }
    }

    private final long irVersion;
    private final long modelVersion;
    private final List<Value> inputs;
    private final List<Value> outputs;
    private final Map<String, String> metadata;

    private OnnxModelFile(final long irVersion, final long modelVersion, final List<Value> inputs, final List<Value> outputs,
        final Map<String, String> metadata)
    {
        this.irVersion = irVersion;
        this.modelVersion = modelVersion;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.metadata = Map.copyOf(metadata);
    }

    /** Reads {@code file}; a file that is not an ONNX model is an {@link IOException} naming it and what is wrong. */
    public static OnnxModelFile read(final Path file) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(file);
        try
        {
            return parse(ByteBuffer.wrap(bytes));
        }
        catch (final MalformedException | IndexOutOfBoundsException | IllegalArgumentException | java.nio.BufferUnderflowException e)
        {
            throw new IOException(file + " is not an ONNX model: " + (e.getMessage() == null ? "its bytes are not an ONNX protobuf" : e.getMessage()));
        }
    }

    public long irVersion()
    {
        return irVersion;
    }

    /** {@code ModelProto.model_version}, 0 when the file does not set it. */
    public long modelVersion()
    {
        return modelVersion;
    }

    public List<Value> inputs()
    {
        return inputs;
    }

    public List<Value> outputs()
    {
        return outputs;
    }

    /** {@code metadata_props}: {@code features}, {@code training_start}, {@code training_end} are the ones tickreplay reads. */
    public Map<String, String> metadata()
    {
        return metadata;
    }

    private static final class MalformedException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        MalformedException(final String message)
        {
            super(message);
        }
    }

    private static OnnxModelFile parse(final ByteBuffer model)
    {
        long ir = -1;
        long version = 0;
        ByteBuffer graph = null;
        final Map<String, String> metadata = new LinkedHashMap<>();
        while (model.hasRemaining())
        {
            final long key = varint(model);
            final int field = (int)(key >>> 3);
            final int wire = (int)(key & 7);
            if (field == 1 && wire == 0)
            {
                ir = varint(model);
            }
            else if (field == 5 && wire == 0)
            {
                version = varint(model);
            }
            else if (field == 7 && wire == 2)
            {
                graph = bytes(model);
            }
            else if (field == 14 && wire == 2)
            {
                final ByteBuffer entry = bytes(model);
                String k = "";
                String v = "";
                while (entry.hasRemaining())
                {
                    final long ek = varint(entry);
                    if ((ek & 7) == 2 && (ek >>> 3) == 1)
                    {
                        k = string(entry);
                    }
                    else if ((ek & 7) == 2 && (ek >>> 3) == 2)
                    {
                        v = string(entry);
                    }
                    else
                    {
                        skip(entry, (int)(ek & 7));
                    }
                }
                metadata.put(k, v);
            }
            else
            {
                skip(model, wire);
            }
        }
        if (ir <= 0 || graph == null)
        {
            throw new MalformedException(ir <= 0 ? "no ir_version" : "no graph");
        }
        final List<Value> inputs = new ArrayList<>();
        final List<Value> outputs = new ArrayList<>();
        final Set<String> initializers = new HashSet<>();
        while (graph.hasRemaining())
        {
            final long key = varint(graph);
            final int field = (int)(key >>> 3);
            final int wire = (int)(key & 7);
            if (wire == 2 && (field == 11 || field == 12))
            {
                (field == 11 ? inputs : outputs).add(value(bytes(graph)));
            }
            else if (wire == 2 && field == 5)
            {
                initializers.add(tensorName(bytes(graph)));
            }
            else
            {
                skip(graph, wire);
            }
        }
        inputs.removeIf(v -> initializers.contains(v.name()));
        return new OnnxModelFile(ir, version, inputs, outputs, metadata);
    }

    private static Value value(final ByteBuffer info)
    {
        String name = "";
        int elemType = 0;
        long[] dims = null;
        List<String> dimNames = List.of();
        while (info.hasRemaining())
        {
            final long key = varint(info);
            final int field = (int)(key >>> 3);
            final int wire = (int)(key & 7);
            if (field == 1 && wire == 2)
            {
                name = string(info);
            }
            else if (field == 2 && wire == 2)
            {
                final ByteBuffer type = bytes(info);
                while (type.hasRemaining())
                {
                    final long tk = varint(type);
                    if ((tk >>> 3) == 1 && (tk & 7) == 2) // tensor_type
                    {
                        final ByteBuffer tensor = bytes(type);
                        while (tensor.hasRemaining())
                        {
                            final long k = varint(tensor);
                            if ((k >>> 3) == 1 && (k & 7) == 0)
                            {
                                elemType = (int)varint(tensor);
                            }
                            else if ((k >>> 3) == 2 && (k & 7) == 2)
                            {
                                final List<Long> d = new ArrayList<>();
                                final List<String> names = new ArrayList<>();
                                final ByteBuffer shape = bytes(tensor);
                                while (shape.hasRemaining())
                                {
                                    final long sk = varint(shape);
                                    if ((sk >>> 3) == 1 && (sk & 7) == 2)
                                    {
                                        long dim = -1;
                                        String param = "";
                                        final ByteBuffer dimension = bytes(shape);
                                        while (dimension.hasRemaining())
                                        {
                                            final long dk = varint(dimension);
                                            if ((dk >>> 3) == 1 && (dk & 7) == 0)
                                            {
                                                dim = varint(dimension);
                                            }
                                            else if ((dk >>> 3) == 2 && (dk & 7) == 2)
                                            {
                                                param = string(dimension);
                                            }
                                            else
                                            {
                                                skip(dimension, (int)(dk & 7));
                                            }
                                        }
                                        d.add(dim);
                                        names.add(param);
                                    }
                                    else
                                    {
                                        skip(shape, (int)(sk & 7));
                                    }
                                }
                                dims = d.stream().mapToLong(Long::longValue).toArray();
                                dimNames = names;
                            }
                            else
                            {
                                skip(tensor, (int)(k & 7));
                            }
                        }
                    }
                    else
                    {
                        skip(type, (int)(tk & 7));
                    }
                }
            }
            else
            {
                skip(info, wire);
            }
        }
        return new Value(name, elemType, dims, dimNames);
    }

    private static String tensorName(final ByteBuffer tensor)
    {
        while (tensor.hasRemaining())
        {
            final long key = varint(tensor);
            if ((key >>> 3) == 8 && (key & 7) == 2)
            {
                return string(tensor);
            }
            skip(tensor, (int)(key & 7));
        }
        return "";
    }

    private static long varint(final ByteBuffer b)
    {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            final byte x = b.get();
            value |= (long)(x & 0x7f) << shift;
            if (x >= 0)
            {
                return value;
            }
        }
        throw new MalformedException("a varint longer than 10 bytes");
    }

    private static ByteBuffer bytes(final ByteBuffer b)
    {
        final long length = varint(b);
        if (length < 0 || length > b.remaining())
        {
            throw new MalformedException("a field of " + length + " bytes where " + b.remaining() + " remain");
        }
        final ByteBuffer slice = b.slice(b.position(), (int)length);
        b.position(b.position() + (int)length);
        return slice;
    }

    private static String string(final ByteBuffer b)
    {
        final ByteBuffer s = bytes(b);
        final byte[] out = new byte[s.remaining()];
        s.get(out);
        return new String(out, StandardCharsets.UTF_8);
    }

    private static void skip(final ByteBuffer b, final int wire)
    {
        switch (wire)
        {
            case 0 -> varint(b);
            case 1 -> b.position(b.position() + 8);
            case 2 -> bytes(b);
            case 5 -> b.position(b.position() + 4);
            default -> throw new MalformedException("wire type " + wire + " (groups or garbage)");
        }
    }
}
