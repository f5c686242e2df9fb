package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokmix.bpe.MergeList;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenBuffer;
import dev.tokmix.bpe.Tokenizer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Holds the README's library example: the same lines, and the ids its comments promise. */
class ReadmeExampleTest {
    @Test
    void readmeLibraryExampleGivesTheIdsItShows() {
        Tokenizer o200k = Tokenizer.load("o200k_base");
        int[] ids = o200k.encodeOrdinary("hello world");
        byte[] utf8 = o200k.decode(ids);
        long n = o200k.countTokens("hello world", SpecialTokenPolicy.ordinary());

        TokenBuffer sink = new TokenBuffer();
        o200k.encode("<|endoftext|>", SpecialTokenPolicy.all(), sink);
        MergeList merges = o200k.merges();

        assertArrayEquals(new int[] {24912, 2375}, ids);
        assertEquals("hello world", new String(utf8, StandardCharsets.UTF_8));
        assertEquals(2, n);
        assertArrayEquals(new int[] {199999}, sink.toArray());
        assertEquals(199_742, merges.size());
    }
}
