package dev.tokmix.bpe;

import java.text.Normalizer;
import java.util.List;

/**
 * An HF normaliser, applied to each text segment between added tokens before pretokenization. Supported:
 * {@code NFC}, {@code NFD}, {@code NFKC}, {@code NFKD}, {@code Lowercase}, {@code Prepend}, {@code Replace}
 * (literal string) and {@code Sequence} of these; anything else is refused at load.
 */
sealed interface TextNormalizer {

    /**
     * Normalises a segment.
     *
     * @param text the segment
     * @return the normalised text (the same instance when nothing changes)
     */
    String apply(String text);

    /** Human-readable description for {@code tokmix info}. */
    String describe();

    /** Unicode normalisation form. */
    record Unicode(Normalizer.Form form) implements TextNormalizer {
        @Override
        public String apply(String text) {
            return Normalizer.isNormalized(text, form) ? text : Normalizer.normalize(text, form);
        }

        @Override
        public String describe() {
            return form.name();
        }
    }

    /**
     * HF {@code Lowercase}: Rust's {@code char::to_lowercase} code point by code point, so final sigma stays
     * {@code σ} (Java's {@code String.toLowerCase} would pick {@code ς} by context).
     */
    record Lowercase() implements TextNormalizer {
        @Override
        public String apply(String text) {
            StringBuilder sb = new StringBuilder(text.length());
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                if (cp == 0x130) {
                    sb.append("i\u0307");
                } else {
                    sb.appendCodePoint(Character.toLowerCase(cp));
                }
            }
            return sb.toString();
        }

        @Override
        public String describe() {
            return "Lowercase";
        }
    }

    /** HF {@code Prepend}: adds a prefix to a non-empty segment. */
    record Prepend(String prefix) implements TextNormalizer {
        @Override
        public String apply(String text) {
            return text.isEmpty() ? text : prefix + text;
        }

        @Override
        public String describe() {
            return "Prepend(" + prefix + ")";
        }
    }

    /** HF {@code Replace} with a literal string pattern. */
    record Replace(String pattern, String content) implements TextNormalizer {
        @Override
        public String apply(String text) {
            return text.replace(pattern, content);
        }

        @Override
        public String describe() {
            return "Replace(" + pattern + " -> " + content + ")";
        }
    }

    /** HF {@code Sequence}: each normaliser in order. */
    record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
        @Override
        public String apply(String text) {
            String t = text;
            for (TextNormalizer n : steps) {
                t = n.apply(t);
            }
            return t;
        }

        @Override
        public String describe() {
            StringBuilder sb = new StringBuilder("Sequence[");
            for (int i = 0; i < steps.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(steps.get(i).describe());
            }
            return sb.append(']').toString();
        }
    }
}
