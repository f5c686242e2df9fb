package dev.tokmix.cli;

import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenSink;
import dev.tokmix.bpe.Tokenizer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tokmix encode}: text in, decimal ids out. */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = {"Encode UTF-8 text (stdin or --input) and print the token ids, separated by single spaces.",
                "Ill-formed UTF-8 counts as U+FFFD, as tiktoken does for strings."})
final class EncodeCommand implements Callable<Integer> {
    @Mixin
    TokenizerOption tokenizer = new TokenizerOption();

    @Option(names = {"-i", "--input"}, paramLabel = "FILE", description = "Read this file instead of stdin.")
    Path input;

    @Option(names = "--lines", description = "Encode each input line (without its \\n or \\r\\n) on its own and"
            + " print its ids on their own output line.")
    boolean lines;

    @Option(names = "--allowed-special", paramLabel = "none|all|TOK,...", defaultValue = "none",
            description = {"none (default): special-token text is ordinary text;",
                    "all: every special/added token is matched (for tokenizer.json: exactly HF tokenizers);",
                    "TOK,...: these are matched and any other special token is an error (tiktoken's default)."})
    String allowedSpecial;

    @Option(names = "--json", description = "Print a JSON array of ids (one array per line with --lines).")
    boolean json;

    @Option(names = "--count", description = "Print only the number of tokens (per line with --lines).")
    boolean count;

    @Override
    public Integer call() throws IOException {
        Tokenizer t = tokenizer.load();
        SpecialTokenPolicy policy = TokenizerOption.policy(allowedSpecial);
        byte[] data;
        try (InputStream in = input == null ? System.in : Files.newInputStream(input)) {
            data = in.readAllBytes();
        }
        OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
        IdWriter w = new IdWriter(out, json);
        if (!lines) {
            encodeOne(t, data, 0, data.length, policy, w);
        } else {
            int start = 0;
            while (start < data.length) {
                int nl = start;
                while (nl < data.length && data[nl] != '\n') {
                    nl++;
                }
                int end = nl > start && data[nl - 1] == '\r' && nl < data.length ? nl - 1 : nl;
                encodeOne(t, data, start, end - start, policy, w);
                start = nl + 1;
            }
        }
        out.flush();
        return 0;
    }

    private void encodeOne(Tokenizer t, byte[] data, int off, int len, SpecialTokenPolicy policy, IdWriter w) {
        if (count) {
            long n = t.countTokens(data, off, len, policy);
            w.raw(Long.toString(n));
            w.endLine();
            return;
        }
        w.begin();
        t.encode(data, off, len, policy, w);
        w.endLine();
    }

    /** Writes ids as ASCII decimals straight into the output buffer: no String per token. */
    static final class IdWriter implements TokenSink {
        private final OutputStream out;
        private final boolean json;
        private final byte[] digits = new byte[12];
        private boolean first = true;

        IdWriter(OutputStream out, boolean json) {
            this.out = out;
            this.json = json;
        }

        void begin() {
            first = true;
            if (json) {
                write('[');
            }
        }

        void endLine() {
            if (json) {
                write(']');
            }
            write('\n');
        }

        void raw(String s) {
            for (int i = 0; i < s.length(); i++) {
                write(s.charAt(i));
            }
        }

        @Override
        public void accept(int id) {
            if (!first) {
                write(json ? ',' : ' ');
            }
            first = false;
            int v = id;
            int p = digits.length;
            do {
                digits[--p] = (byte) ('0' + v % 10);
                v /= 10;
            } while (v > 0);
            try {
                out.write(digits, p, digits.length - p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void write(int c) {
            try {
                out.write(c);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
