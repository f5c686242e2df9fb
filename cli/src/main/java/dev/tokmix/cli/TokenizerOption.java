package dev.tokmix.cli;

import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import picocli.CommandLine.Option;

/** The {@code --tokenizer SPEC} option shared by commands. */
final class TokenizerOption {
    @Option(names = {"-t", "--tokenizer"}, required = true, paramLabel = "SPEC",
            description = "Built-in name (r50k_base, p50k_base, cl100k_base, o200k_base) or a path to a .tiktoken"
                    + " or tokenizer.json file.")
    String spec;

    Tokenizer load() {
        return Tokenizer.load(spec);
    }

    /**
     * Parses {@code none|all|TOK,...}: none = ordinary text; all = every special token matched; a list = those
     * matched and any other special token an error (tiktoken's {@code encode(allowed_special=...)}).
     */
    static SpecialTokenPolicy policy(String allowedSpecial) {
        if (allowedSpecial == null || allowedSpecial.equals("none")) {
            return SpecialTokenPolicy.ordinary();
        }
        if (allowedSpecial.equals("all")) {
            return SpecialTokenPolicy.all();
        }
        Set<String> set = new LinkedHashSet<>(Arrays.asList(allowedSpecial.split(",")));
        set.remove("");
        return SpecialTokenPolicy.allowing(set);
    }
}
