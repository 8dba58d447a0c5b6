package io.tickreplay.adapters.files;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeqAssignerTest
{
    @Test
    void numbersTicksSharingProviderSymbolAndTsInFileOrder() throws Exception
    {
        final SeqAssigner seq = SeqAssigner.sorted();
        assertThat(seq.next("p", "A", 10)).isZero();
        assertThat(seq.next("p", "A", 10)).isEqualTo(1);
        assertThat(seq.next("p", "B", 10)).isZero();
        assertThat(seq.next("p", "A", 10)).isEqualTo(2);
        assertThat(seq.next("q", "A", 10)).isZero();
        assertThat(seq.next("p", "A", 11)).isZero();
        assertThat(seq.next("p", "B", 10)).isEqualTo(1);
    }

    @Test
    void sortedModeRefusesTimeGoingBackForASymbol() throws Exception
    {
        final SeqAssigner seq = SeqAssigner.sorted();
        seq.next("p", "A", 10);
        seq.next("p", "B", 5);
        assertThatThrownBy(() -> seq.next("p", "A", 9)).isInstanceOf(SeqAssigner.UnsortedException.class);
    }

    @Test
    void trackingModeNumbersAnUnsortedFileTheSameWayAsItsSortedRows() throws Exception
    {
        final SeqAssigner seq = SeqAssigner.tracking();
        assertThat(seq.next("p", "A", 10)).isZero();
        assertThat(seq.next("p", "A", 20)).isZero();
        assertThat(seq.next("p", "A", 10)).isEqualTo(1);
        assertThat(seq.next("p", "A", 20)).isEqualTo(1);
        assertThat(seq.next("p", "A", 5)).isZero();
    }

    @Test
    void distinguishesProviderSymbolPairsThatConcatenateAlike() throws Exception
    {
        final SeqAssigner seq = SeqAssigner.sorted();
        assertThat(seq.next("ab", "c", 1)).isZero();
        assertThat(seq.next("a", "bc", 1)).isZero();
        assertThat(seq.next("ab", "c", 1)).isEqualTo(1);
    }
}
