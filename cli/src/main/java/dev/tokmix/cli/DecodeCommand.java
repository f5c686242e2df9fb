package dev.tokmix.cli;

import dev.tokmix.bpe.Tokenizer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tokmix decode}: ids in, exact bytes out. */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Read token ids (decimal, separated by whitespace or commas; '[' and ']' ignored) from stdin"
                + " or --input and write the exact bytes they stand for.")
final class DecodeCommand implements Callable<Integer> {
    @Mixin
    TokenizerOption tokenizer = new TokenizerOption();

    @Option(names = {"-i", "--input"}, paramLabel = "FILE", description = "Read ids from this file instead of stdin.")
    Path input;

    @Override
    public Integer call() throws IOException {
        Tokenizer t = tokenizer.load();
        byte[] data;
        try (InputStream in = input == null ? System.in : Files.newInputStream(input)) {
            data = in.readAllBytes();
        }
        OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
        int[] one = new int[1];
        long index = 0;
        int i = 0;
        while (i < data.length) {
            int c = data[i];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',' || c == '[' || c == ']') {
                i++;
                continue;
            }
            int start = i;
            long v = 0;
            while (i < data.length && data[i] >= '0' && data[i] <= '9' && v <= Integer.MAX_VALUE) {
                v = v * 10 + (data[i] - '0');
                i++;
            }
            if (i == start || v > Integer.MAX_VALUE || (i < data.length && !isSeparator(data[i]))) {
                int end = Math.min(data.length, start + 20);
                throw new IllegalArgumentException("input byte " + start + " (token " + index + "): \""
                        + new String(data, start, end - start, java.nio.charset.StandardCharsets.UTF_8).split("\\s")[0]
                        + "\" is not a token id; expected non-negative decimal integers");
            }
            one[0] = (int) v;
            try {
                out.write(t.decode(one));
            } catch (dev.tokmix.bpe.TokenIdOutOfRangeException e) {
                throw new dev.tokmix.bpe.TokenIdOutOfRangeException(t.name(), (int) v, index, t.idLimit());
            }
            index++;
        }
        out.flush();
        return 0;
    }

    private static boolean isSeparator(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',' || c == '[' || c == ']';
    }
}
