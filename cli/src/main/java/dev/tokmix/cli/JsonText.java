package dev.tokmix.cli;

import dev.tokmix.core.JsonStrings;

/** JSON string quoting for the CLI's {@code --json} output. */
final class JsonText {
    private JsonText() {
    }

    static StringBuilder quote(StringBuilder sb, String s) {
        JsonStrings.quote(s, sb);
        return sb;
    }
}
