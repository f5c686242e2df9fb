package dev.tokmix.cli;

import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.JsonStrings;
import dev.tokmix.core.TokenDtype;
import dev.tokmix.core.TokenShardReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tokmix inspect}: header, counts and first tokens of a shard, validated. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Print a token shard's format, header, counts and first tokens, after validating it (magic,"
                + " version, dtype, file sizes, pointers, document index; with --vocab-size or --tokenizer, every"
                + " id). Exit status 1 with the file, byte offset and a remedy if it is not valid.",
                "PATH: PREFIX or PREFIX.idx/.bin (Megatron), an llm.c .bin, an .npy, or with --dtype any"
                        + " headerless token array."})
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "The shard.")
    Path path;

    @Option(names = "--dtype", paramLabel = "uint16|int32|uint32|int64",
            description = "Read PATH as a headerless array of this type (nanoGPT, dolma).")
    String dtype;

    @Option(names = "--delimiter", paramLabel = "ID", defaultValue = "-1",
            description = "Document delimiter for formats without an index (llm.c default: from its magic).")
    int delimiter;

    @Option(names = {"-t", "--tokenizer"}, paramLabel = "SPEC",
            description = "Check ids against this tokenizer and show the first document as text.")
    String tokenizerSpec;

    @Option(names = "--vocab-size", paramLabel = "N", defaultValue = "0",
            description = "Check that every id is below N.")
    int vocabSize;

    @Option(names = {"-n", "--tokens"}, paramLabel = "N", defaultValue = "16",
            description = "How many first tokens to show (default: ${DEFAULT-VALUE}).")
    int firstTokens;

    @Option(names = "--positioned", description = "Read with positioned reads instead of a memory mapping.")
    boolean positioned;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Tokenizer t = tokenizerSpec == null ? null : Tokenizer.load(tokenizerSpec);
        int limit = t != null ? t.idLimit() : vocabSize;
        TokenShardReader.Options o = TokenShardReader.Options.defaults().withDelimiter(delimiter).withIdLimit(limit);
        if (dtype != null) {
            o = o.withHeaderlessDtype(TokenDtype.parse(dtype));
        }
        if (positioned) {
            o = o.withAccess(TokenShardReader.Access.POSITIONED);
        }
        try (TokenShardReader r = TokenShardReader.open(path, o)) {
            int n = (int) Math.min(firstTokens, r.tokenCount());
            int[] first = new int[n];
            r.copyTokens(0, first, 0, n);
            long docs = r.documentCount();
            long maxLen = 0;
            long minLen = Long.MAX_VALUE;
            for (long d = 0; d < docs; d++) {
                long len = r.documentLength(d);
                maxLen = Math.max(maxLen, len);
                minLen = Math.min(minLen, len);
            }
            int maxId = r.maxTokenId();
            PrintStream out = System.out;
            if (json) {
                StringBuilder sb = new StringBuilder("{\"valid\":true,\"format\":");
                JsonStrings.quote(r.format().toString(), sb);
                sb.append(",\"data_file\":");
                JsonStrings.quote(r.dataFile().toString(), sb);
                sb.append(",\"index_file\":");
                if (r.indexFile() == null) {
                    sb.append("null");
                } else {
                    JsonStrings.quote(r.indexFile().toString(), sb);
                }
                sb.append(",\"dtype\":");
                JsonStrings.quote(r.dtype().toString(), sb);
                sb.append(",\"header_bytes\":").append(r.dataOffsetBytes());
                sb.append(",\"tokens\":").append(r.tokenCount());
                sb.append(",\"sequences\":").append(r.sequenceCount());
                sb.append(",\"documents\":").append(docs);
                sb.append(",\"min_document_tokens\":").append(docs == 0 ? 0 : minLen);
                sb.append(",\"max_document_tokens\":").append(maxLen);
                sb.append(",\"max_token_id\":").append(maxId);
                sb.append(",\"delimiter_id\":").append(r.delimiterId());
                sb.append(",\"ids_checked_below\":").append(limit);
                sb.append(",\"mapped\":").append(r.mapped());
                sb.append(",\"first_tokens\":[");
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : ",").append(first[i]);
                }
                out.println(sb.append("]}"));
                return 0;
            }
            out.printf("format:      %s (%s)%n", r.format(), r.mapped() ? "memory-mapped" : "positioned reads");
            out.printf("data file:   %s%n", r.dataFile());
            if (r.indexFile() != null) {
                out.printf("index file:  %s%n", r.indexFile());
            }
            out.printf("dtype:       %s (header %,d bytes)%n", r.dtype(), r.dataOffsetBytes());
            out.printf("tokens:      %,d%n", r.tokenCount());
            if (r.format() == TokenShardReader.Format.MEGATRON) {
                out.printf("sequences:   %,d%n", r.sequenceCount());
            }
            out.printf("documents:   %,d%s (tokens per document: %,d to %,d)%n", docs,
                    r.delimiterId() >= 0 ? " by delimiter " + r.delimiterId() : "", docs == 0 ? 0 : minLen,
                    maxLen);
            out.printf("max id:      %,d%s%n", maxId, limit > 0 ? " (all below " + limit + ": valid)" : "");
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                sb.append(i == 0 ? "" : " ").append(first[i]);
            }
            out.printf("first %d:    %s%n", n, sb);
            if (t != null && docs > 0) {
                int len = (int) Math.min(r.documentLength(0), 64);
                int[] ids = new int[len];
                r.copyTokens(r.documentStart(0), ids, 0, len);
                String text = new String(t.decode(ids), StandardCharsets.UTF_8);
                out.printf("document 0:  %s%s%n", JsonStrings.quote(text),
                        r.documentLength(0) > len ? " ..." : "");
            }
            out.println("valid");
            return 0;
        }
    }
}
