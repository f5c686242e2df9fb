package dev.tokmix.cli;

import dev.tokmix.bpe.AddedToken;
import dev.tokmix.bpe.MergeList;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.JsonStrings;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tokmix info}: what a tokenizer is made of. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a tokenizer: vocabulary, merges, pretokenizer, normaliser, special tokens.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    TokenizerOption tokenizer = new TokenizerOption();

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Tokenizer t = tokenizer.load();
        MergeList m = t.merges();
        PrintStream out = System.out;
        if (json) {
            StringBuilder sb = new StringBuilder("{");
            field(sb, "name", t.name()).append(',');
            field(sb, "format", t.format()).append(',');
            sb.append("\"vocabulary_size\":").append(t.vocabularySize()).append(',');
            sb.append("\"id_limit\":").append(t.idLimit()).append(',');
            sb.append("\"merges\":").append(m.size()).append(',');
            sb.append("\"unreachable_tokens\":").append(m.unreachableTokenIds().length).append(',');
            sb.append("\"ignore_merges\":").append(t.ignoresMerges()).append(',');
            field(sb, "pretokenizer", t.preTokenizerDescription()).append(',');
            field(sb, "normalizer", t.normalizerDescription()).append(',');
            sb.append("\"added_tokens\":[");
            boolean first = true;
            for (AddedToken a : t.addedTokens()) {
                sb.append(first ? "" : ",").append('{');
                field(sb, "content", a.content()).append(",\"id\":").append(a.id()).append(",\"special\":")
                        .append(a.special()).append('}');
                first = false;
            }
            sb.append("]}");
            out.println(sb);
            return 0;
        }
        out.printf("name:               %s%n", t.name());
        out.printf("format:             %s%n", t.format());
        out.printf("vocabulary:         %,d base entries (ids below %,d)%n", t.vocabularySize(), t.idLimit());
        out.printf("merges:             %,d%s%n", m.size(), t.format().equals("tiktoken") ? " (derived from ranks)" : "");
        out.printf("unreachable tokens: %,d%n", m.unreachableTokenIds().length);
        out.printf("ignore_merges:      %s%n", t.ignoresMerges());
        out.printf("pretokenizer:       %s%n", t.preTokenizerDescription());
        out.printf("normalizer:         %s%n", t.normalizerDescription());
        long special = t.addedTokens().stream().filter(AddedToken::special).count();
        out.printf("added tokens:       %,d (%,d special)%n", t.addedTokens().size(), special);
        int shown = 0;
        for (AddedToken a : t.addedTokens()) {
            if (shown++ == 8) {
                out.printf("  ... %,d more (use --json for all)%n", t.addedTokens().size() - 8);
                break;
            }
            out.printf("  %-8d %s%s%n", a.id(), a.content(), a.special() ? "" : " (not special)");
        }
        return 0;
    }

    static StringBuilder field(StringBuilder sb, String key, String value) {
        sb.append('"').append(key).append("\":");
        JsonStrings.quote(value, sb);
        return sb;
    }
}
