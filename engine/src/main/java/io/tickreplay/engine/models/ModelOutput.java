package io.tickreplay.engine.models;

/**
 * What a chain's models tell besides their predictions (docs/models.md, "Scores"): each prediction made
 * and how long the model took, and each arrival of a label with the symbol's rolling scores after it.
 * Called on the chain's thread; {@code model} is the model's index in the chain's list.
 */
public interface ModelOutput
{
    ModelOutput NONE = new ModelOutput()
    {
        @Override
        public void predicted(final int model, final int symbolId, final long nanos)
        {
        }

        @Override
        public void scored(final int model, final int symbolId, final long barStartMicros, final ModelScores scores)
        {
        }
    };

    /**
     * A model that learns has updated with the label that arrived at the close of the bar starting at
     * {@code barStartMicros}: its weights for the symbol now ({@code count} values of {@code weights}, the
     * intercept first; the array is reused). By default nothing is kept.
     */
    default void learnt(final int model, final int symbolId, final long barStartMicros, final double[] weights, final int count)
    {
    }

    /** A model predicted for a bar of {@code symbolId} in {@code nanos}. */
    void predicted(int model, int symbolId, long nanos);

    /**
     * A label arrived at the close of the bar starting at {@code barStartMicros}: {@code scores} hold the
     * symbol's {@code ic}, {@code hit_rate}, {@code mse} (NaN for none) and {@code count} after it.
     */
    void scored(int model, int symbolId, long barStartMicros, ModelScores scores);

    /** The stream ended: what is held goes out. */
    default void end()
    {
    }
}
