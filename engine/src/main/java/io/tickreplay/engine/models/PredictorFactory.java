package io.tickreplay.engine.models;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens a model file as predictors (an ONNX file: the onnx module, loaded apart from the main jar).
 * Thread-safe: each chain of a run asks for its own predictor.
 */
public interface PredictorFactory
{
    /**
     * @param file     the model's file
     * @param features how many features it takes, in one float32 tensor {@code [1, features]}
     * @return a predictor for one chain: the first element of the model's first output, as a double
     */
    Predictor open(Path file, int features) throws IOException;
}
