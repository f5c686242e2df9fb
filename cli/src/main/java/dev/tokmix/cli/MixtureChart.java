package dev.tokmix.cli;

import dev.tokmix.core.AtomicFile;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * Draws the results of data-mixture inference (the estimated share of each category, such as "English" or
 * "Python", in a tokenizer's training data) as a chart: one horizontal bar chart per tokenizer, arranged in a
 * grid under a common title.
 *
 * <p>Each panel sorts its bars by weight, largest first, and labels them with the category name on the left
 * and the percentage on the right ({@code "87.0%"}, {@code "<0.1%"}); a whisker shows the interval where
 * there is one. A panel shows at most {@value #MAX_BARS} bars; the rest are summed into one grey
 * {@code "N others"} bar. Each panel's x axis runs from 0% to its largest value (whiskers included) rounded up
 * to 10%, so small shares stay readable next to a tokenizer with one dominant category; a category keeps its
 * colour in every panel of the chart. Sizes follow the
 * content: the label column is as wide as the longest name (very long names are cut with "…"), cards as wide
 * as their titles.
 *
 * <p>The format follows the extension: {@code .svg} writes self-contained SVG text, {@code .png} an image drawn
 * with Java2D at 2× (headless; {@code java.awt.headless} is set to {@code true} if nobody set it). The file is
 * written through {@link AtomicFile}, so a half-written chart never appears under the final name.
 */
final class MixtureChart {
    /** The most bars a panel shows by name; the rest are summed into one grey "N others" bar. */
    static final int MAX_BARS = 15;

    /**
     * One category's estimated share.
     *
     * @param name   the category, e.g. {@code "en"} or {@code "code:python"}
     * @param weight the estimated share, a fraction in [0, 1]
     * @param ciLow  the interval's lower end (fraction), or NaN when there is no interval
     * @param ciHigh the interval's upper end (fraction), or NaN when there is no interval
     */
    record Bar(String name, double weight, double ciLow, double ciHigh) {
        /** Rounding slack of solvers: weights a hair outside [0, 1] are drawn clamped rather than refused. */
        private static final double SLACK = 1e-6;

        Bar {
            Objects.requireNonNull(name, "bar name");
            if (!(weight >= -SLACK && weight <= 1 + SLACK)) {
                throw new IllegalArgumentException("bar '" + name + "': weight " + weight
                        + " is not a fraction in [0, 1]; pass 0.87 for 87%");
            }
            if (Double.isInfinite(ciLow) || Double.isInfinite(ciHigh) || ciLow > ciHigh) {
                throw new IllegalArgumentException("bar '" + name + "': interval [" + ciLow + ", " + ciHigh
                        + "] is not finite and ordered; pass NaN for both ends when there is no interval");
            }
        }

        /** A bar without an interval. */
        Bar(String name, double weight) {
            this(name, weight, Double.NaN, Double.NaN);
        }

        boolean hasInterval() {
            return !Double.isNaN(ciLow) && !Double.isNaN(ciHigh);
        }
    }

    /**
     * One tokenizer's result.
     *
     * @param title    e.g. the tokenizer's name
     * @param subtitle e.g. {@code "T = 30,000 merges, 21 LP rounds"}; empty or null for none
     * @param bars     the categories, in any order
     */
    record Panel(String title, String subtitle, List<Bar> bars) {
        Panel {
            Objects.requireNonNull(title, "panel title");
            subtitle = subtitle == null ? "" : subtitle;
            bars = List.copyOf(bars);
        }
    }

    // Geometry in SVG user units (CSS pixels); the PNG is drawn at PNG_SCALE device pixels per unit.
    private static final int MARGIN = 24;
    private static final int GAP = 16;
    private static final int PAD = 16;
    private static final int ROW = 22;
    private static final int BAR = 14;
    private static final int MIN_PLOT = 360;
    private static final int MAX_LABEL = 240;
    private static final int MAX_PANEL_TITLE = 560;
    private static final int MAX_TITLE = 1200;
    /** 2×: sharp text on high-density screens and when zoomed; a 4-panel chart of 16 bars each is about 280 KB. */
    private static final int PNG_SCALE = 2;

    private static final int PAGE = 0xF5F6F8;
    private static final int CARD = 0xFFFFFF;
    private static final int CARD_EDGE = 0xDDE1E6;
    private static final int INK = 0x202124;
    private static final int MUTED = 0x5F6368;
    private static final int GRID = 0xE6E8EB;
    private static final int AXIS = 0x9AA0A6;
    private static final int WHISKER = 0x2B2B2B;
    private static final int OTHERS = 0xC4C7CC;

    /**
     * Tableau 20 without its two greys (grey means "others"): the nine strong colours first, then their light
     * partners, so the largest categories of a chart get the most distinct colours.
     */
    private static final int[] PALETTE = {
        0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F, 0xEDC948, 0xB07AA1, 0xFF9DA7, 0x9C755F,
        0xA0CBE8, 0xFFBE7D, 0x8CD17D, 0xB6992D, 0xF1CE63, 0x499894, 0x86BCB6, 0xD37295, 0xD4A6C8,
    };

    private enum Anchor { START, MIDDLE, END }

    private enum Type {
        TITLE(20, true, false), CAPTION(12, false, false), PANEL_TITLE(15, true, false), SUBTITLE(12, false, false),
        LABEL(12, false, false), OTHERS_LABEL(12, false, true), VALUE(11, false, false), TICK(10, false, false),
        NOTE(12, false, true);

        final int size;
        final boolean bold;
        final boolean italic;

        Type(int size, boolean bold, boolean italic) {
            this.size = size;
            this.bold = bold;
            this.italic = italic;
        }

        /** Height of one line of this type; its baseline sits {@link #size} below the line's top. */
        int lineHeight() {
            return Math.round(size * 1.35f);
        }
    }

    private MixtureChart() {
    }

    /**
     * The chart format a file name asks for (commands call it before long work, so a bad name fails at once).
     *
     * @param file the chart file
     * @return {@code "svg"} or {@code "png"}
     * @throws IllegalArgumentException if the extension is neither {@code .svg} nor {@code .png}
     */
    static String format(Path file) {
        Objects.requireNonNull(file, "file");
        Path fileName = file.getFileName();
        String name = fileName == null ? "" : fileName.toString();
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        if (!extension.equals("svg") && !extension.equals("png")) {
            throw new IllegalArgumentException("cannot write chart " + file + ": unknown extension"
                    + (extension.isEmpty() ? "" : " '." + extension + "'") + "; use .svg or .png");
        }
        return extension;
    }

    /**
     * Writes the chart of one or more tokenizers' mixture estimates.
     *
     * @param file   the chart to create or replace; {@code .svg} or {@code .png}
     * @param title  the common title on top
     * @param panels one panel per tokenizer, drawn left to right, top to bottom
     * @throws IllegalArgumentException if the extension is neither {@code .svg} nor {@code .png}, or there are no
     *                                  panels
     * @throws IOException              if the file cannot be written (the previous file, if any, is then untouched)
     */
    static void write(Path file, String title, List<Panel> panels) throws IOException {
        Objects.requireNonNull(title, "title");
        String extension = format(file);
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("chart " + file
                    + " has no panels; pass at least one tokenizer's result");
        }
        List<Prepared> prepared = prepare(panels);
        AtomicFile.Body body;
        if (extension.equals("svg")) {
            Layout layout = new Layout(title, prepared, new SvgCanvas());
            SvgCanvas svg = new SvgCanvas();
            layout.draw(svg);
            byte[] bytes = svg.finish(layout.width, layout.height, title).getBytes(StandardCharsets.UTF_8);
            body = out -> out.write(bytes);
        } else {
            BufferedImage image = renderPng(file, title, prepared);
            body = out -> {
                if (!ImageIO.write(image, "png", out)) {
                    throw new IOException("no PNG writer in this JDK (javax.imageio)");
                }
            };
        }
        try {
            AtomicFile.write(file, body);
        } catch (UncheckedIOException e) {
            throw new IOException(e.getMessage(), e.getCause());
        }
    }

    /** A percentage with one decimal ({@code "87.0%"}), or {@code "<0.1%"} for a share too small to show. */
    static String percent(double weight) {
        if (weight > 0 && weight < 0.0005) {
            return "<0.1%";
        }
        return String.format(Locale.ROOT, "%.1f%%", Math.max(0, weight) * 100);
    }

    private static BufferedImage renderPng(Path file, String title, List<Prepared> prepared) throws IOException {
        // Must precede the first AWT class initialisation; a later change has no effect, an explicit "false" is kept.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        try {
            BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
            Graphics2D pg = probe.createGraphics();
            Layout layout;
            try {
                layout = new Layout(title, prepared, new PngCanvas(pg));
            } finally {
                pg.dispose();
            }
            BufferedImage image = new BufferedImage(layout.width * PNG_SCALE, layout.height * PNG_SCALE,
                    BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            try {
                layout.draw(new PngCanvas(g));
            } finally {
                g.dispose();
            }
            return image;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            // Headless Java2D needs fontconfig and at least one font; without them text drawing fails deep in AWT.
            throw new IOException("cannot draw chart " + file + " with Java2D: " + e
                    + "\n  remedy: install fontconfig and a TrueType font (e.g. fonts-dejavu), or write .svg", e);
        }
    }

    // ---- model ----------------------------------------------------------------------------------------------

    private record Row(String name, double weight, double low, double high, int colour,
            boolean others) {
        boolean hasInterval() {
            return !Double.isNaN(low) && !Double.isNaN(high);
        }
    }

    private record Prepared(Panel panel, List<Row> rows) {
    }

    /** Sorts, keeps the top {@value #MAX_BARS}, sums the rest, and colours each category the same everywhere. */
    private static List<Prepared> prepare(List<Panel> panels) {
        Comparator<Bar> byWeight = Comparator.comparingDouble(Bar::weight).reversed().thenComparing(Bar::name);
        List<List<Bar>> shown = new ArrayList<>();
        List<double[]> rest = new ArrayList<>(); // {count, sum}
        for (Panel p : panels) {
            List<Bar> sorted = p.bars().stream().sorted(byWeight).toList();
            if (sorted.size() > MAX_BARS) {
                double sum = 0;
                for (Bar b : sorted.subList(MAX_BARS, sorted.size())) {
                    sum += Math.max(0, b.weight());
                }
                shown.add(sorted.subList(0, MAX_BARS));
                rest.add(new double[] {sorted.size() - MAX_BARS, sum});
            } else {
                shown.add(sorted);
                rest.add(null);
            }
        }
        Map<String, Integer> colours = colours(shown);
        List<Prepared> out = new ArrayList<>();
        for (int i = 0; i < panels.size(); i++) {
            List<Row> rows = new ArrayList<>();
            for (Bar b : shown.get(i)) {
                double low = b.hasInterval() ? b.ciLow() : Double.NaN;
                double high = b.hasInterval() ? b.ciHigh() : Double.NaN;
                rows.add(new Row(b.name(), clamp(b.weight()), low, high, colours.get(b.name()), false));
            }
            double[] r = rest.get(i);
            if (r != null) {
                int count = (int) r[0];
                String label = count + (count == 1 ? " other" : " others");
                rows.add(new Row(label, clamp(r[1]), Double.NaN, Double.NaN, OTHERS, true));
            }
            out.add(new Prepared(panels.get(i), rows));
        }
        return out;
    }

    /**
     * Gives each shown category one palette colour for the whole chart. Categories are coloured by total weight,
     * largest first, each taking the first colour no category it shares a panel with has taken (greedy graph
     * colouring); only when all are taken does it reuse the one its neighbours use least.
     */
    private static Map<String, Integer> colours(List<List<Bar>> shown) {
        Map<String, Double> total = new LinkedHashMap<>();
        Map<String, Set<String>> neighbours = new HashMap<>();
        for (List<Bar> bars : shown) {
            for (Bar b : bars) {
                total.merge(b.name(), b.weight(), Double::sum);
                Set<String> n = neighbours.computeIfAbsent(b.name(), k -> new HashSet<>());
                for (Bar other : bars) {
                    if (!other.name().equals(b.name())) {
                        n.add(other.name());
                    }
                }
            }
        }
        List<String> order = new ArrayList<>(total.keySet());
        order.sort(Comparator.comparingDouble((String s) -> -total.get(s)).thenComparing(s -> s));
        Map<String, Integer> index = new HashMap<>();
        for (String name : order) {
            int[] uses = new int[PALETTE.length];
            for (String n : neighbours.get(name)) {
                Integer c = index.get(n);
                if (c != null) {
                    uses[c]++;
                }
            }
            int best = 0;
            for (int c = 1; c < PALETTE.length; c++) {
                if (uses[c] < uses[best]) {
                    best = c;
                }
            }
            index.put(name, best);
        }
        Map<String, Integer> rgb = new HashMap<>();
        index.forEach((k, v) -> rgb.put(k, PALETTE[v]));
        return rgb;
    }

    private static double clamp(double fraction) {
        return Math.min(1, Math.max(0, fraction));
    }

    // ---- layout ---------------------------------------------------------------------------------------------

    /** Where everything goes, measured once with the target's own text widths, then drawn by {@link #draw}. */
    private static final class Layout {
        final String title;
        /** The legend under the title, wrapped at " · " to the chart's width. */
        final List<String> caption = new ArrayList<>();
        final List<Prepared> panels;
        final List<String> panelTitles = new ArrayList<>();
        final List<String> subtitles = new ArrayList<>();
        final List<List<String>> labels = new ArrayList<>();
        final int columns;
        final int labelWidth;
        final int valueWidth;
        final int plotWidth;
        final int cardWidth;
        final int headerHeight;
        final int cardHeight;
        final int gridTop;
        final int width;
        final int height;
        /** Each panel's axis end in percent: its largest value (whiskers included) rounded up to 10%. */
        final List<Integer> axisMaxPct = new ArrayList<>();

        Layout(String title, List<Prepared> panels, Canvas measure) {
            this.panels = panels;
            this.title = ellipsize(title, Type.TITLE, MAX_TITLE, measure);
            boolean anyInterval = false;
            boolean anyOthers = false;
            boolean anySubtitle = false;
            int rowCount = 1;
            int label = 0;
            int header = 0;
            for (Prepared p : panels) {
                anySubtitle |= !p.panel().subtitle().isEmpty();
                String t = ellipsize(p.panel().title(), Type.PANEL_TITLE, MAX_PANEL_TITLE, measure);
                String s = ellipsize(p.panel().subtitle(), Type.SUBTITLE, MAX_PANEL_TITLE, measure);
                panelTitles.add(t);
                subtitles.add(s);
                header = Math.max(header, (int) Math.ceil(Math.max(measure.width(t, Type.PANEL_TITLE),
                        measure.width(s, Type.SUBTITLE))));
                List<String> names = new ArrayList<>();
                double max = 0;
                for (Row r : p.rows()) {
                    Type type = r.others() ? Type.OTHERS_LABEL : Type.LABEL;
                    String n = ellipsize(r.name(), type, MAX_LABEL, measure);
                    names.add(n);
                    label = Math.max(label, (int) Math.ceil(measure.width(n, type)));
                    max = Math.max(max, r.weight());
                    if (r.hasInterval()) {
                        anyInterval = true;
                        max = Math.max(max, r.high());
                    }
                    anyOthers |= r.others();
                }
                labels.add(names);
                axisMaxPct.add(Math.clamp((int) Math.ceil(Math.min(1, max) * 10 - 1e-9) * 10, 10, 100));
                rowCount = Math.max(rowCount, p.rows().size());
            }
            labelWidth = Math.max(label, 40);
            valueWidth = (int) Math.ceil(measure.width("100.0%", Type.VALUE)) + 2;
            int fixed = PAD + labelWidth + 8 + 6 + valueWidth + PAD;
            cardWidth = Math.max(fixed + MIN_PLOT, header + 2 * PAD);
            plotWidth = cardWidth - fixed;
            headerHeight = Type.PANEL_TITLE.lineHeight() + (anySubtitle ? Type.SUBTITLE.lineHeight() + 2 : 0) + 10;
            cardHeight = PAD + headerHeight + 4 + rowCount * ROW + 4 + Type.TICK.lineHeight() + PAD - 4;

            List<String> legend = new ArrayList<>();
            legend.add("Estimated share of each category in the training data");
            if (panels.size() > 1) {
                // Per-panel axes: one 99% bar would otherwise squash every other panel's bars to slivers.
                legend.add("axes scaled per panel");
            }
            if (anyInterval) {
                legend.add("whiskers: uncertainty interval");
            }
            if (anyOthers) {
                legend.add("grey: smaller categories summed");
            }

            columns = panels.size() == 1 ? 1 : panels.size() <= 4 ? 2 : 3;
            int gridRows = (panels.size() + columns - 1) / columns;
            int gridWidth = columns * cardWidth + (columns - 1) * GAP;
            int contentWidth = Math.max(gridWidth, (int) Math.ceil(measure.width(this.title, Type.TITLE)));
            String line = "";
            for (String part : legend) {
                String longer = line.isEmpty() ? part : line + " · " + part;
                if (line.isEmpty() || measure.width(longer, Type.CAPTION) <= contentWidth) {
                    line = longer;
                } else {
                    caption.add(line);
                    line = part;
                }
            }
            caption.add(line);
            for (String l : caption) {
                contentWidth = Math.max(contentWidth, (int) Math.ceil(measure.width(l, Type.CAPTION)));
            }
            gridTop = MARGIN + Type.TITLE.lineHeight() + caption.size() * Type.CAPTION.lineHeight() + 10;
            width = 2 * MARGIN + contentWidth;
            height = gridTop + gridRows * cardHeight + (gridRows - 1) * GAP + MARGIN;
        }

        void draw(Canvas c) {
            c.rect(0, 0, width, height, PAGE, 0, -1, null);
            c.text(MARGIN, MARGIN + Type.TITLE.size, title, Type.TITLE, INK, Anchor.START);
            for (int i = 0; i < caption.size(); i++) {
                c.text(MARGIN, MARGIN + Type.TITLE.lineHeight() + i * Type.CAPTION.lineHeight() + Type.CAPTION.size,
                        caption.get(i), Type.CAPTION, MUTED, Anchor.START);
            }
            for (int i = 0; i < panels.size(); i++) {
                int x = MARGIN + (i % columns) * (cardWidth + GAP);
                int y = gridTop + (i / columns) * (cardHeight + GAP);
                drawPanel(c, i, x, y);
            }
        }

        private void drawPanel(Canvas c, int index, int x, int y) {
            c.rect(x + 0.5, y + 0.5, cardWidth - 1, cardHeight - 1, CARD, 8, CARD_EDGE, null);
            int top = y + PAD;
            c.text(x + PAD, top + Type.PANEL_TITLE.size, panelTitles.get(index), Type.PANEL_TITLE, INK, Anchor.START);
            if (!subtitles.get(index).isEmpty()) {
                c.text(x + PAD, top + Type.PANEL_TITLE.lineHeight() + 2 + Type.SUBTITLE.size, subtitles.get(index),
                        Type.SUBTITLE, MUTED, Anchor.START);
            }
            List<Row> rows = panels.get(index).rows();
            int plotLeft = x + PAD + labelWidth + 8;
            int rowsTop = top + headerHeight + 4;
            int rowsBottom = rowsTop + Math.max(1, rows.size()) * ROW;

            // Gridlines behind the bars, on half pixels so a 1-unit line covers whole pixels at 1× and 2×.
            int maxPct = axisMaxPct.get(index);
            int stepPct = maxPct == 10 ? 2 : maxPct <= 50 || maxPct % 20 != 0 ? 10 : 20;
            for (int pct = 0; pct <= maxPct; pct += stepPct) {
                double gx = Math.round(plotLeft + (double) pct / maxPct * plotWidth) + 0.5;
                c.line(gx, rowsTop - 4, gx, rowsBottom + 4, pct == 0 ? AXIS : GRID, 1, null);
                c.text(gx, rowsBottom + 4 + Type.TICK.size + 2, pct + "%", Type.TICK, MUTED, Anchor.MIDDLE);
            }
            if (rows.isEmpty()) {
                c.text(plotLeft + 8, rowsTop + ROW / 2 + 4, "no categories", Type.NOTE, MUTED, Anchor.START);
                return;
            }
            double unit = plotWidth * 100.0 / maxPct; // units per fraction 1.0
            double axisMax = maxPct / 100.0;
            for (int r = 0; r < rows.size(); r++) {
                Row row = rows.get(r);
                double rowTop = rowsTop + r * ROW;
                double mid = rowTop + ROW / 2.0;
                double baseline = mid + 4;
                c.begin(tooltip(row), row.others() ? null : row.name());
                c.text(plotLeft - 8, baseline, labels.get(index).get(r), row.others() ? Type.OTHERS_LABEL : Type.LABEL,
                        row.others() ? MUTED : INK, Anchor.END);
                double w = Math.min(row.weight(), axisMax) * unit;
                if (row.weight() > 0) {
                    // A share too small for a pixel still shows as a sliver: "present" differs from "absent".
                    w = Math.max(w, 1);
                }
                c.rect(plotLeft + 1, mid - BAR / 2.0, w, BAR, row.colour(), 0, -1, row.others() ? null : "bar");
                double end = plotLeft + 1 + w;
                if (row.hasInterval()) {
                    double lo = plotLeft + 1 + Math.clamp(row.low(), 0, axisMax) * unit;
                    double hi = plotLeft + 1 + Math.clamp(row.high(), 0, axisMax) * unit;
                    c.line(lo, mid, hi, mid, WHISKER, 1.25, "whisker");
                    if (hi - lo >= 6) { // caps on a shorter whisker read as a letter "H", not an interval
                        c.line(lo, mid - 4, lo, mid + 4, WHISKER, 1.25, null);
                        c.line(hi, mid - 4, hi, mid + 4, WHISKER, 1.25, null);
                    }
                    end = Math.max(end, hi);
                }
                c.text(end + 5, baseline, percent(row.weight()), Type.VALUE, row.others() ? MUTED : INK,
                        Anchor.START);
                c.end();
            }
        }

        private static String tooltip(Row row) {
            String s = row.name() + ": " + percent(row.weight());
            if (row.hasInterval()) {
                s += " (interval " + percent(row.low()) + " to " + percent(row.high()) + ")";
            }
            return s;
        }

        /** The text, cut to fit {@code maxWidth} with a trailing "…" (whole code points only). */
        private static String ellipsize(String text, Type type, int maxWidth, Canvas measure) {
            if (measure.width(text, type) <= maxWidth) {
                return text;
            }
            int points = text.codePointCount(0, text.length());
            int lo = 0;
            int hi = points;
            while (lo < hi) { // largest prefix that fits with the ellipsis: O(log n) measurements
                int m = (lo + hi + 1) >>> 1;
                String candidate = text.substring(0, text.offsetByCodePoints(0, m)) + "…";
                if (measure.width(candidate, type) <= maxWidth) {
                    lo = m;
                } else {
                    hi = m - 1;
                }
            }
            return text.substring(0, text.offsetByCodePoints(0, lo)).stripTrailing() + "…";
        }
    }

    // ---- targets --------------------------------------------------------------------------------------------

    /** A drawing surface in user units; both targets draw the same {@link Layout}. */
    private interface Canvas {
        double width(String text, Type type);

        /** A filled rectangle; {@code stroke} -1 for none; {@code cls} marks data bars in SVG (null for none). */
        void rect(double x, double y, double w, double h, int fill, double radius, int stroke, String cls);

        void line(double x1, double y1, double x2, double y2, int rgb, double width, String cls);

        void text(double x, double baseline, String text, Type type, int rgb, Anchor anchor);

        /** Starts one bar's group: {@code tooltip} for SVG viewers, {@code category} null for "others". */
        default void begin(String tooltip, String category) {
        }

        default void end() {
        }
    }

    /** SVG text; widths are estimated from DejaVu Sans, the usual sans-serif on Linux and wider than Arial. */
    private static final class SvgCanvas implements Canvas {
        /**
         * Advance widths of ASCII 32..126 in thousandths of an em, measured with Java2D from DejaVu Sans (regular
         * and bold). Verdana is as wide, Arial/Helvetica narrower, so labels sized with these never overflow.
         */
        private static final short[] REGULAR = {
            318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
            636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
            1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
            603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
            500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
            635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
        };
        private static final short[] BOLD = {
            348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365,
            696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
            1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850,
            733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
            500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
            716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
        };

        private final StringBuilder body = new StringBuilder(1 << 14);

        @Override
        public double width(String text, Type type) {
            short[] table = type.bold ? BOLD : REGULAR;
            double em = 0;
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                if (cp >= 32 && cp < 127) {
                    em += table[cp - 32] / 1000.0;
                } else if (zeroWidth(cp)) {
                    // Combining marks and joiners take no advance.
                } else if (wide(cp)) {
                    em += 1.0;
                } else {
                    em += type.bold ? 0.75 : 0.7; // other scripts: a little wider than Latin, on purpose
                }
            }
            return em * type.size;
        }

        private static boolean zeroWidth(int cp) {
            int type = Character.getType(cp);
            return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT;
        }

        /** East Asian wide and emoji code points, drawn about one em wide. */
        private static boolean wide(int cp) {
            return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF)
                    || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF)
                    || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60)
                    || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF)
                    || (cp >= 0x20000 && cp <= 0x3FFFD);
        }

        @Override
        public void rect(double x, double y, double w, double h, int fill, double radius, int stroke, String cls) {
            body.append("<rect");
            if (cls != null) {
                body.append(" class=\"").append(cls).append('"');
            }
            body.append(" x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(w))
                    .append("\" height=\"").append(num(h)).append("\" fill=\"").append(hex(fill)).append('"');
            if (radius > 0) {
                body.append(" rx=\"").append(num(radius)).append('"');
            }
            if (stroke >= 0) {
                body.append(" stroke=\"").append(hex(stroke)).append('"');
            }
            body.append("/>\n");
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, int rgb, double width, String cls) {
            body.append("<line");
            if (cls != null) {
                body.append(" class=\"").append(cls).append('"');
            }
            body.append(" x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"").append(num(x2))
                    .append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(hex(rgb))
                    .append("\" stroke-width=\"").append(num(width)).append("\"/>\n");
        }

        @Override
        public void text(double x, double baseline, String text, Type type, int rgb, Anchor anchor) {
            body.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(baseline)).append("\" font-size=\"")
                    .append(type.size).append('"');
            if (type.bold) {
                body.append(" font-weight=\"bold\"");
            }
            if (type.italic) {
                body.append(" font-style=\"italic\"");
            }
            if (anchor != Anchor.START) {
                body.append(" text-anchor=\"").append(anchor == Anchor.END ? "end" : "middle").append('"');
            }
            body.append(" fill=\"").append(hex(rgb)).append("\">");
            escape(text, body);
            body.append("</text>\n");
        }

        @Override
        public void begin(String tooltip, String category) {
            body.append("<g");
            if (category != null) {
                body.append(" data-category=\"");
                escape(category, body);
                body.append('"');
            }
            body.append("><title>");
            escape(tooltip, body);
            body.append("</title>\n");
        }

        @Override
        public void end() {
            body.append("</g>\n");
        }

        String finish(int width, int height, String title) {
            StringBuilder s = new StringBuilder(body.length() + 512);
            s.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                    .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                    .append("\" font-family=\"'DejaVu Sans', Verdana, Arial, Helvetica, sans-serif\">\n<title>");
            escape(title, s);
            s.append("</title>\n").append(body).append("</svg>\n");
            return s.toString();
        }

        private static String num(double v) {
            long tenths = Math.round(v * 10);
            return tenths % 10 == 0 ? Long.toString(tenths / 10) : (tenths / 10.0 + "");
        }

        private static String hex(int rgb) {
            return String.format("#%06x", rgb & 0xFFFFFF);
        }

        /** XML text and attribute escaping; code points XML 1.0 forbids (controls, lone surrogates) become U+FFFD. */
        static void escape(String text, StringBuilder out) {
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                switch (cp) {
                    case '&' -> out.append("&amp;");
                    case '<' -> out.append("&lt;");
                    case '>' -> out.append("&gt;");
                    case '"' -> out.append("&quot;");
                    case '\'' -> out.append("&apos;");
                    default -> {
                        boolean allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
                                || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
                        out.appendCodePoint(allowed ? cp : 0xFFFD);
                    }
                }
            }
        }
    }

    /** Java2D, antialiased, at {@link #PNG_SCALE}; widths are the real font's, so layout fits exactly. */
    private static final class PngCanvas implements Canvas {
        private final Graphics2D g;
        private final Map<Type, Font> fonts = new EnumMap<>(Type.class);

        PngCanvas(Graphics2D g) {
            this.g = g;
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            // Greyscale, not LCD, antialiasing: the image may be scaled or shown on any subpixel layout.
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.scale(PNG_SCALE, PNG_SCALE);
            Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            for (Type t : Type.values()) {
                int style = (t.bold ? Font.BOLD : 0) | (t.italic ? Font.ITALIC : 0);
                fonts.put(t, base.deriveFont(style, (float) t.size));
            }
        }

        @Override
        public double width(String text, Type type) {
            return text.isEmpty() ? 0 : fonts.get(type).getStringBounds(text, g.getFontRenderContext()).getWidth();
        }

        @Override
        public void rect(double x, double y, double w, double h, int fill, double radius, int stroke, String cls) {
            var shape = radius > 0 ? new RoundRectangle2D.Double(x, y, w, h, 2 * radius, 2 * radius)
                    : new Rectangle2D.Double(x, y, w, h);
            g.setColor(new Color(fill));
            g.fill(shape);
            if (stroke >= 0) {
                g.setColor(new Color(stroke));
                g.setStroke(new BasicStroke(1f));
                g.draw(shape);
            }
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, int rgb, double width, String cls) {
            g.setColor(new Color(rgb));
            g.setStroke(new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
            g.draw(new Line2D.Double(x1, y1, x2, y2));
        }

        @Override
        public void text(double x, double baseline, String text, Type type, int rgb, Anchor anchor) {
            if (text.isEmpty()) {
                return;
            }
            double w = anchor == Anchor.START ? 0 : width(text, type);
            double left = anchor == Anchor.START ? x : anchor == Anchor.END ? x - w : x - w / 2;
            g.setFont(fonts.get(type));
            g.setColor(new Color(rgb));
            g.drawString(text, (float) left, (float) baseline);
        }
    }
}
