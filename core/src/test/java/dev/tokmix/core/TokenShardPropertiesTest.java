package dev.tokmix.core;

import dev.tokmix.core.ShardFixtures.Case;
import dev.tokmix.core.TokenShardReader.Access;
import dev.tokmix.core.TokenShardReader.Format;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property: for random documents (empty ones, ids 0 and the dtype's largest, jqwik's edge cases), any writer
 * format and dtype, and either access mode, writing then reading gives back the documents. jqwik prints the seed
 * of a failing run and replays it first on the next one.
 */
class TokenShardPropertiesTest {
    @Provide
    Arbitrary<Case> cases() {
        return Arbitraries.of(ShardFixtures.writerCases());
    }

    @Provide
    Arbitrary<List<List<Integer>>> documents() {
        Arbitrary<Integer> id = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, Integer.MAX_VALUE)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 1000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(0, 65_535, 65_534, 50_256, 128_000, Integer.MAX_VALUE)));
        return id.list().ofMaxSize(60).list().ofMaxSize(12);
    }

    @Property(tries = 120)
    void writeThenReadGivesBackTheDocuments(@ForAll("cases") Case c, @ForAll("documents") List<List<Integer>> raw,
                                            @ForAll boolean mapped) throws IOException {
        // Ids reduced into the dtype; llm.c documents start with the delimiter and hold it nowhere else.
        long range = c.dtype().maxTokenId() + 1L;
        int delimiter = c.llmcDelimiter();
        int[][] docs = new int[raw.size()][];
        for (int d = 0; d < docs.length; d++) {
            int[] doc = raw.get(d).stream().mapToInt(v -> {
                int id = (int) (v % range);
                return id == delimiter ? id - 1 : id;
            }).toArray();
            docs[d] = delimiter >= 0 ? ShardFixtures.prepend(delimiter, doc) : doc;
        }
        Path dir = Files.createTempDirectory("tokmix-shard-property");
        try {
            Path prefix = dir.resolve("p");
            ShardFixtures.write(c, prefix, docs);
            Access access = mapped ? Access.MAPPED : Access.POSITIONED;
            Format f = c.format();
            try (TokenShardReader r = TokenShardReader.open(ShardFixtures.shardPath(f, prefix),
                    ShardFixtures.options(access))) {
                ShardFixtures.assertReads(r, docs, raw.hashCode());
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }
}
