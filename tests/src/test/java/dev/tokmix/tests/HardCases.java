package dev.tokmix.tests;

import dev.tokmix.tests.ParityCorpus.Document;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/**
 * The generated part of {@link ParityCorpus}: inputs aimed at the parity pitfalls of byte-level BPE (the project
 * research notes, {@code bpe-anchors.md} section 5). Every generator is deterministic given the seed; a code point
 * predicate restricts the output for references with older Unicode tables ({@link UnicodeVersions}): fixed cases
 * holding a rejected code point are dropped, random ones draw again.
 */
final class HardCases {
    /** Unicode White_Space (what {@code \s} means in tiktoken's and HF's regex engines). */
    static final int[] WHITE_SPACE = {
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
        0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    };

    /** Look-alikes that are not White_Space (but are {@code Character.isWhitespace} or invisible). */
    static final int[] NOT_WHITE_SPACE = {0x1C, 0x1D, 0x1E, 0x1F, 0x180E, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF};

    private final List<Document> out = new ArrayList<>();
    private final IntPredicate allowed;
    private final SplittableRandom rnd;
    private String group = "";
    private int index;

    private HardCases(long seed, IntPredicate allowed) {
        this.allowed = allowed;
        this.rnd = new SplittableRandom(seed);
    }

    /**
     * Generates every group.
     *
     * @param seed    seed of the random parts
     * @param allowed the code points the output may hold
     * @param fetched real documents, for the trailing-whitespace group
     * @return the hard cases, labelled {@code hard:<group> #<index>}
     */
    static List<Document> generate(long seed, IntPredicate allowed, List<Document> fetched) {
        HardCases h = new HardCases(seed, allowed);
        h.whitespace();
        h.digits();
        h.contractions();
        h.identifiers();
        h.emoji();
        h.combiningMarks();
        h.outsideBmp();
        h.invisibles();
        h.mixedScripts();
        h.specialTokenText();
        h.longRuns();
        h.pieceLengths();
        h.trailingWhitespace(fetched);
        h.random();
        return h.out;
    }

    private void group(String name) {
        group = name;
        index = 0;
    }

    private void add(String text) {
        if (Texts.allCodePoints(text, allowed)) {
            out.add(new Document("hard:" + group + " #" + index, text));
        }
        index++;
    }

    private static String cp(int codePoint) {
        return Character.toString(codePoint);
    }

    /** {@code \s+(?!\S)}: a run gives back its last char to a following word, but not at end of text. */
    void whitespace() {
        group("whitespace");
        String[] followers = {"a", "Z", "é", "中", "1", "١", "!", "'s", "😀", "\n", "\r\n", "\u0301", ""};
        List<Integer> chars = new ArrayList<>();
        for (int c : WHITE_SPACE) {
            chars.add(c);
        }
        for (int c : NOT_WHITE_SPACE) {
            chars.add(c);
        }
        for (int c : chars) {
            for (int k = 1; k <= 3; k++) {
                String run = cp(c).repeat(k);
                for (String f : followers) {
                    add(run + f);
                    add("x" + run + f);
                    add("x " + run + f);
                    add("x" + run + " " + f);
                }
            }
        }
        String[] mixes = {" \n", "\n ", " \r\n ", "  \n  ", "\t\n\t", " \u00A0 ", "\u3000\u3000", "\r\n\r\n",
            "\r\r\n", "\n\r", " \r", "\r ", "\n\n\n   ", "   \n\n\n", "\u2028 ", " \u2028", "\u0085\n",
            "\t \t", "\u000B\u000C", " \t\n \t\n", "\n \n \n", "\u00A0\n", "\n\u00A0", "    ", "\t\t"};
        for (String m : mixes) {
            add(m);
            add("a" + m);
            add("a" + m + "b");
            add(m + "1");
            add("x" + m + "!");
            add("x" + m + "'s");
            add("def f():" + m + "return 1" + m);
            add("word" + m + m + "word" + m);
        }
    }

    void digits() {
        group("digits");
        int[] zeros = {'0', 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xFF10, 0x1D7CE, 0x1D7D8, 0x104A0};
        String[] prefixes = {"", " ", "a", "$", "x ", "\n", "-", "１"};
        String[] suffixes = {"", "a", " ", ".5", "%", "th", "²"};
        for (int zero : zeros) {
            for (int len = 1; len <= 20; len++) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < len; i++) {
                    b.appendCodePoint(zero + rnd.nextInt(10));
                }
                String digits = b.toString();
                add(prefixes[len % prefixes.length] + digits + suffixes[len % suffixes.length]);
                add(digits);
                add(" " + digits + " " + digits);
            }
        }
        for (String s : new String[] {"²", "½", "Ⅻ", "x²", "3½", "ⅫⅫⅫ", "²³¹", "1²3", " ½", "Ⅻ12", "①②③④",
            "⑳", "1,234,567.89", "3.14159265358979", "2024-01-01", "0x1F600", "1e-10", "٣٫١٤", "१२३४५",
            "v1.2.3", "10⁻³", "¼¾", "𝟘𝟙𝟚", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "12ab34cd", "a1b2c3",
            "1 2 3", "  123", "123  ", "99999999999999999999", "1\n2\n3"}) {
            add(s);
            add("a " + s + " b");
        }
    }

    void contractions() {
        group("contractions");
        String[] cores = {"'s", "'S", "'ſ", "'t", "'T", "'re", "'RE", "'Re", "'rE", "'ve", "'VE", "'Ve", "'m",
            "'M", "'d", "'D", "'ll", "'LL", "'Ll", "'lL", "don't", "DON'T", "Don'T", "O'Neil", "it's", "IT'S",
            "we'Re", "y'all", "rock'n'roll", "'sup", "''", "'", "' s", "x'ſx", "ſ", "'K", "I'M", "'ſt",
            "can't've", "'s's", "l'homme", "aujourd'hui", "it’s", "don’t", "'ﬅ", "'İ", "ǅ's", "ǅ'S", "'ǈ",
            "HELLO'S", "helloWorld's", "'''s", "'s'", "'\u0301s", "'s\u0301", "'ſ́"};
        String[] before = {"", " ", "a", "A", "1", "\n", "😀", "é", "中", "'", "!"};
        String[] after = {"", "x", " y", "!", "1", "\n", "'"};
        for (String c : cores) {
            for (String b : before) {
                add(b + c);
                add(b + c + after[(b.length() + c.length()) % after.length]);
            }
            for (String a : after) {
                add(c + a);
            }
        }
    }

    void identifiers() {
        group("identifiers");
        for (String s : new String[] {"camelCase", "getHTTPResponseCode", "XMLHttpRequest", "snake_case_name",
            "ALL_CAPS_CONST", "__init__", "kebab-case-name", "fooBar2Baz", "iPhone", "McDonald", "ΑΒΓαβγ",
            "ǅungla", "ǈubljana", "ABCdef", "abcDEF", "aBcDeF", "ABC", "HTTPServer", "parseJSONToXML",
            "_privateField", "$jquery", "@Override", "#include", "std::vector<int>", "a.b.c", "x=y+z;",
            "foo(bar)[baz]{qux}", "someVeryLongIdentifierNameThatKeepsGoingAndGoingForeverAndEver",
            "ÜberStraße", "ĳssel", "ǄǅǆǇǈǉ", "ﬁnance", "İstanbul", "ΣΊΣΥΦΟΣ", "σς", "ÀÉÎõü",
            "ₐₑₒ", "ᵃᵇᶜ", "ʰʲʷ", "ꜰᴀᴋᴇ", "A\u0301B\u0301c", "a_B_c", "a__b", "MAX_VALUE2", "x86_64",
            "//comment", "/* block */", "<div class=\"x\">", "http://example.com/a/b?c=d&e=f", "a/b/c",
            "path\\to\\file", "~/.bashrc", "user@example.com", "#!/usr/bin/env bash"}) {
            add(s);
            add(" " + s);
            add("\t" + s + "\n");
            add("(" + s + ")");
        }
    }

    void emoji() {
        group("emoji");
        for (String s : new String[] {"😀", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇳🇫🇷", "🇺🇳", "🇫", "👍🏽", "👍🏿👍🏻", "❤️",
            "❤", "1️⃣", "#️⃣", "🧑🏿‍🚀", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "👩‍❤️‍💋‍👨", "🫠", "☺️", "✌🏼", "🏃‍♀️‍➡️",
            "😀😀😀😀😀", "a😀b", " 😀", "😀 ", "😀\n", "ok👌", "🇺🇸🇬🇧🇩🇪🇯🇵", "\u200D", "a\u200Db",
            "\uFE0F", "x\uFE0F", "🏻", "🏿a"}) {
            add(s);
            add("I " + s + " it");
            add(s + s);
            add("'" + s + "'s");
        }
    }

    void combiningMarks() {
        group("marks");
        for (String s : new String[] {"e\u0301", "a\u0300\u0316", "Z\u0351\u036B\u0343\u036A\u0302\u036B\u033D",
            "\u0301", "\u0301\u0301\u0301", " \u0301", "1\u0301", "!\u0301", "\u1100\u1161\u11A8",
            "한국어", "\u1112\u1161\u11AB", "नमस्ते", "क्षत्रिय", "ภาษาไทย", "مَرْحَبًا", "שָׁלוֹם", "ǹ", "n\u0300",
            "Å", "A\u030A", "\u212B", "ﬃ", "①", "ｶﾀｶﾅ", "ｱ", "ﾞ", "㍿", "µ", "Ω", "\u2126", "ẛ̣",
            "q\u0307\u0323", "ḍ\u0307", "é", "é", "ᄀᄀ", "각", "\u0345", "ΐ", "\u0344",
            "\u0F73", "\u0F75", "\u0FB3\u0F71\u0F80", "\u0CCA", "\u0CC6\u0CC2\u0CD5"}) {
            add(s);
            add("x" + s + "y");
            add(" " + s + " " + s);
            add(s.toUpperCase(java.util.Locale.ROOT) + s.toLowerCase(java.util.Locale.ROOT));
        }
    }

    void outsideBmp() {
        group("astral");
        for (String s : new String[] {"𝐀𝐁𝐂", "𝐚𝐛𝐜", "𝟘𝟙𝟚", "𝔄𝔟𝔠", "𐌰𐌱𐌲", "𐍈", "𠀀𠀁𠀂", "𪚥", "𝄞",
            "𐐀𐐨", "𐐀", "𐐨", "𞤀𞤢", "𓀀𓀁", "𒀀", "𖼀", "𑀅𑀆", "𐎀", "🄰🄱", "🅰", "𝒜𝒷", "𝕏", "𝛼𝛽", "𝟎",
            "𐤀", "𑂃", "\uDB40\uDC41", "\uDB40\uDC7F", "\uDB40\uDD00", "\uDB80\uDC00", "\uDBFF\uDFFD",
            "a𝐀", "𝐀a", "A𐐨", "𐐨A"}) {
            add(s);
            add(" " + s);
            add("x " + s + "'s " + s + "1");
        }
    }

    void invisibles() {
        group("invisibles");
        int[] chars = {0xA0, 0x85, 0x180E, 0x200B, 0xFEFF, 0x2028, 0x2029, 0x202F, 0x3000, 0x200D, 0x2060,
            0xAD, 0x0, 0x1, 0x7F, 0x9F, 0x1C, 0x1F, 0x200E, 0x202E, 0xFFFD, 0xFFFC};
        String[] contexts = {"a%sb", "%s", "a%s", "%sa", " %s ", "1%s2", "!%s!", "%s%s", "\n%s\n", "%s 1",
            "x %s's", "%s\r\n"};
        for (int c : chars) {
            for (String ctx : contexts) {
                add(ctx.replace("%s", cp(c)));
            }
        }
    }

    void mixedScripts() {
        group("scripts");
        for (String s : new String[] {"Hello мир 世界 مرحبا שלום 123 ১২৩", "東京Tokyo2024年", "abcабвαβγ",
            "Привет,world!", "日本語のテキストとEnglish", "中文，标点。符号！", "한국어와English",
            "ภาษาไทยThai", "αβγ123δεζ", "Ελληνικά Ἑλλάς", "Türkçe İı", "Ǆemal", "ქართული",
            "አማርኛ", "ᠮᠣᠩᠭᠣᠯ", "ᎠᎡᎢ", "ᐃᓄᒃᑎᑐᑦ", "தமிழ்", "සිංහල", "ລາວ", "ཀ་ཁ", "ꦗꦮ",
            "مرحبا123world", "עברית abc", "١٢٣abc", "fooBar中文Baz", "!!!中文???", "……——", "«guillemets»",
            "„Anführung“", "‘single’ “double”", "a—b–c", "x · y", "Ⓐⓑ", "™©®", "€$¥£₹₿"}) {
            add(s);
            add(s.toUpperCase(java.util.Locale.ROOT));
            add(s + " " + s + "\n" + s);
        }
    }

    void specialTokenText() {
        group("special-text");
        for (String s : new String[] {"<|endoftext|>", "a<|endoftext|>b", "<|endofprompt|>",
            "<|fim_prefix|>x<|fim_suffix|>y<|fim_middle|>", "<|endoftext|", "<|<|endoftext|>|>",
            "<|im_start|>user\nhi<|im_end|>", "<｜begin▁of▁sentence｜>", "<|begin_of_text|>", "<think>",
            "< |endoftext|>", "<|ENDOFTEXT|>", "<EOT>", "<|endoftext|><|endoftext|>", " <|endoftext|> "}) {
            add(s);
            add("text " + s + " text\n");
        }
    }

    void longRuns() {
        group("long-runs");
        add("a".repeat(5000));
        add("ab".repeat(3000));
        add("aA".repeat(2000));
        add("Aa".repeat(2000));
        add("é".repeat(3000));
        add("中".repeat(3000));
        add("😀".repeat(1000));
        add("1".repeat(3001));
        add("!".repeat(2000));
        add("-".repeat(3000));
        add("\n".repeat(1000));
        add(" ".repeat(3000));
        add(" ".repeat(3000) + "a");
        add("\t".repeat(500) + "\n".repeat(500));
        add("\u0301".repeat(2000));
        add("'s".repeat(2000));
        add("a'".repeat(2000));
        add(randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 8000));
        add(randomFrom("0123456789abcdef", 5000));
        add(randomFrom("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!\"#$%&()*+,-./:;<=>?@[]^_`{|}~",
                10000));
        add("https://example.com/" + randomFrom("abcdefghijklmnopqrstuvwxyz/-_.?=&%0123456789", 3000));
        add(randomFrom("аб中文ᄀ각αβ😀𝐀", 4000));
    }

    /**
     * Pieces of every length from 1 to 140 bytes in several byte widths, across the size thresholds that
     * implementations switch algorithms at (tokmix's 16-byte piece cache and 64-byte heap merge, jtokkit's
     * 500-char large-piece encoder is crossed by the long runs).
     */
    void pieceLengths() {
        group("piece-lengths");
        for (int len = 1; len <= 140; len++) {
            add(" " + randomFrom("abcdefghijklmnopqrstuvwxyz", len));
            add(randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", len));
            add(randomFrom("!#$%&()*+,-./:;<=>?@[]^_`{|}~", len) + "\n");
            add(" ".repeat(len) + "x");
            add("x" + "\n".repeat(len));
            add(randomFrom("éèêëàâäôöûüçñ", Math.max(1, len / 2)));
            add(randomFrom("中文日本語한국어", Math.max(1, len / 3)));
            add(randomFrom("😀🙂🚀🌍", Math.max(1, len / 4)));
            add("a".repeat(len));
            add("1".repeat(len));
        }
    }

    private String randomFrom(String alphabet, int codePoints) {
        int[] cps = alphabet.codePoints().toArray();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            b.appendCodePoint(cps[rnd.nextInt(cps.length)]);
        }
        return b.toString();
    }

    /** Trailing spaces and newlines at the very end of real documents (the {@code \s+$} edge). */
    void trailingWhitespace(List<Document> fetched) {
        group("trailing");
        String[] tails = {" ", "   ", "\n", " \n", "\n ", "\n\n  ", "\t", "\r\n", " \r\n ", "\u00A0", "\u3000"};
        for (int i = 0; i < fetched.size(); i += Math.max(1, fetched.size() / 200)) {
            String t = fetched.get(i).text();
            String head = t.length() > 2000 ? t.substring(0, 2000) : t;
            if (Character.isHighSurrogate(head.charAt(head.length() - 1))) {
                head = head.substring(0, head.length() - 1);
            }
            add(head + tails[index % tails.length]);
            add(tails[index % tails.length] + head);
        }
    }

    /** Random strings over all planes, weighted toward the classes the pretokenizers distinguish. */
    void random() {
        group("random");
        for (int i = 0; i < 3000; i++) {
            int len = rnd.nextInt(i % 10 == 0 ? 400 : 60);
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < len; k++) {
                b.appendCodePoint(randomCodePoint());
            }
            add(b.toString());
        }
    }

    private int pick(String alphabet) {
        int[] cps = alphabet.codePoints().toArray();
        return cps[rnd.nextInt(cps.length)];
    }

    private int randomCodePoint() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int cp = switch (rnd.nextInt(12)) {
                case 0, 1, 2 -> 0x20 + rnd.nextInt(0x5F);
                case 3 -> WHITE_SPACE[rnd.nextInt(WHITE_SPACE.length)];
                case 4 -> pick("0123456789٠١٢٣٤५६²½Ⅻ𝟘𝟙");
                case 5 -> 0x80 + rnd.nextInt(0x250 - 0x80);
                case 6 -> rnd.nextInt(0x10000);
                case 7 -> 0x10000 + rnd.nextInt(0x30000);
                case 8 -> rnd.nextInt(0x110000);
                case 9 -> 0x1F300 + rnd.nextInt(0x800);
                case 10 -> pick("\u200D\uFE0F\u0301\u0308'sStTdDmMlLvVrReE\u017F");
                default -> NOT_WHITE_SPACE[rnd.nextInt(NOT_WHITE_SPACE.length)];
            };
            if (allowed.test(cp)) {
                return cp;
            }
        }
        return 'a';
    }
}
