package dev.tokmix.bpe;

/** The regex engine a pretokenizer pattern was written for; the same text can mean different things in each. */
enum RegexDialect {
    /** Rust {@code fancy-regex}, used by tiktoken: {@code $} is end of text, {@code .} excludes only LF. */
    TIKTOKEN,
    /** Oniguruma (Ruby syntax), used by HF tokenizers: {@code $} is end of line, {@code \h} is a hex digit. */
    ONIGURUMA
}
