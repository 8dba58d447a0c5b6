package io.tickreplay.api.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.ModelStore.Model;

import java.util.LinkedHashMap;
import java.util.Map;

/** A model as the API and {@code model list --json} give it (docs/api.md, "Models"). */
public final class ModelJson
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelJson()
    {
    }

    public static Map<String, Object> of(final Model m)
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name());
        out.put("type", m.type());
        out.put("version", m.version());
        out.put("sha256", m.sha256());
        out.put("features", m.features());
        out.put("interval", m.interval());
        out.put("horizon", m.horizon());
        out.put("signal", "pred_" + m.name());
        try
        {
            out.put("parameters", JSON.readValue(m.parameters(), Map.class));
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalStateException("models.parameters of " + m.name() + " is not JSON: " + m.parameters(), e);
        }
        out.put("training_start", m.trainingStart() == null ? null : m.trainingStart().toString());
        out.put("training_end", m.trainingEnd() == null ? null : m.trainingEnd().toString());
        out.put("created_at", m.createdAt() == null ? null : m.createdAt().toString());
        return out;
    }
}
