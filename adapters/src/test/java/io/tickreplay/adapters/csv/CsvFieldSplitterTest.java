package io.tickreplay.adapters.csv;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvFieldSplitterTest
{
    private final CsvFieldSplitter splitter = new CsvFieldSplitter(',');
    private final List<String> out = new ArrayList<>();

    @Test
    void splitsPlainFieldsAndKeepsEmptyOnes()
    {
        splitter.split("a,,b, c ,", out);
        assertThat(out).containsExactly("a", "", "b", "c", "");
    }

    @Test
    void readsQuotedFieldsWithDelimitersAndEscapedQuotes()
    {
        splitter.split("\"NVDA\",\"1,5\",\"say \"\"hi\"\"\", \"x\" ", out);
        assertThat(out).containsExactly("NVDA", "1,5", "say \"hi\"", "x");
    }

    @Test
    void refusesAnUnterminatedQuote()
    {
        assertThatThrownBy(() -> splitter.split("a,\"b", out)).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> splitter.split("\"a\"b,c", out)).hasMessageContaining("after a closing quote");
    }

    @Test
    void usesAnotherDelimiterWhenAsked()
    {
        new CsvFieldSplitter(';').split("a;b,c;d", out);
        assertThat(out).containsExactly("a", "b,c", "d");
    }
}
