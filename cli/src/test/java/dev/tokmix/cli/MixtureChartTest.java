package dev.tokmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.cli.MixtureChart.Bar;
import dev.tokmix.cli.MixtureChart.Panel;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Mixture charts as a reader gets them: well-formed SVG, decodable PNG, every shown name, crash-safe files. */
class MixtureChartTest {
    @TempDir
    Path dir;

    /** A panel of {@code count} categories "c0".."c{count-1}" with weights falling 2:1 from one to the next. */
    private static Panel falling(String title, int count) {
        double[] w = new double[count];
        double sum = 0;
        for (int i = 0; i < count; i++) {
            w[i] = Math.pow(0.5, i);
            sum += w[i];
        }
        List<Bar> bars = new ArrayList<>();
        for (int i = count - 1; i >= 0; i--) { // reversed: the chart must sort
            bars.add(new Bar("c" + i, w[i] / sum));
        }
        return new Panel(title, "T = 30,000 merges, 21 LP rounds", bars);
    }

    private static Document parse(Path svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(svg.toFile());
    }

    private static List<String> texts(Document doc) {
        NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent());
        }
        return out;
    }

    private static List<Element> elements(Document doc, String tag) {
        NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    private static List<String> folder(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void svgIsWellFormedXmlAndNamesEveryCategoryWithItsPercentage() throws Exception {
        Path file = dir.resolve("mix.svg");
        MixtureChart.write(file, "Inferred training mixtures", List.of(
                new Panel("GPT-2", "T = 30,000 merges", List.of(new Bar("en", 0.87, 0.85, 0.89),
                        new Bar("code:python", 0.1), new Bar("de", 0.03))),
                new Panel("Llama 3", "", List.of(new Bar("en", 0.48), new Bar("zh", 0.00001)))));
        Document doc = parse(file);
        assertEquals("svg", doc.getDocumentElement().getLocalName());
        List<String> texts = texts(doc);
        for (String s : List.of("Inferred training mixtures", "GPT-2", "T = 30,000 merges", "Llama 3", "en",
                "code:python", "de", "zh", "87.0%", "10.0%", "3.0%", "48.0%", "<0.1%")) {
            assertTrue(texts.contains(s), s + " in " + texts);
        }
        // Sorted by weight, largest first, in each panel.
        List<String> categories = elements(doc, "g").stream().map(g -> g.getAttribute("data-category")).toList();
        assertEquals(List.of("en", "code:python", "de", "en", "zh"), categories);
    }

    @Test
    void svgSumsBarsBeyondFifteenIntoOneGreyOthersBar() throws Exception {
        Path file = dir.resolve("many.svg");
        Panel many = falling("many", 20);
        MixtureChart.write(file, "twenty categories", List.of(many, falling("few", 3)));
        List<String> texts = texts(parse(file));
        for (int i = 0; i < MixtureChart.MAX_BARS; i++) {
            assertTrue(texts.contains("c" + i), "c" + i + " shown");
        }
        for (int i = MixtureChart.MAX_BARS; i < 20; i++) {
            assertFalse(texts.contains("c" + i), "c" + i + " folded into others");
        }
        assertTrue(texts.contains("5 others"), texts.toString());
        double rest = many.bars().stream().filter(b -> Integer.parseInt(b.name().substring(1)) >= 15)
                .mapToDouble(Bar::weight).sum();
        int othersIndex = texts.indexOf("5 others");
        assertEquals(MixtureChart.percent(rest), texts.get(othersIndex + 1), "others bar carries the summed share");
        assertEquals(1, texts.stream().filter(t -> t.endsWith(" others")).count(), "the 3-bar panel has none");
        assertEquals(15 + 3, texts(parse(file)).stream().filter(t -> t.matches("c\\d+")).count());
    }

    @Test
    void svgEscapesMarkupInNamesAndTitles() throws Exception {
        Path file = dir.resolve("escape.svg");
        String name = "<script>&\"x\"'";
        String title = "A & B <mixture> \"quoted\"";
        MixtureChart.write(file, title, List.of(new Panel("tok <1>", "a&b", List.of(new Bar(name, 0.6, 0.5, 0.7),
                new Bar("ctl\u0001char", 0.4)))));
        String raw = Files.readString(file);
        assertFalse(raw.contains("<script>"), "raw markup must not reach the SVG");
        Document doc = parse(file);
        List<String> texts = texts(doc);
        assertTrue(texts.contains(name), texts.toString());
        assertTrue(texts.contains(title), texts.toString());
        assertTrue(texts.contains("tok <1>") && texts.contains("a&b"), texts.toString());
        assertTrue(texts.contains("ctl\uFFFDchar"), "control characters XML 1.0 forbids are replaced: " + texts);
        assertEquals(name, elements(doc, "g").getFirst().getAttribute("data-category"));
    }

    @Test
    void sameCategoryHasTheSameColourInEveryPanel() throws Exception {
        Path file = dir.resolve("colours.svg");
        MixtureChart.write(file, "colours", List.of(
                new Panel("A", "", List.of(new Bar("en", 0.7), new Bar("python", 0.2), new Bar("fr", 0.1))),
                new Panel("B", "", List.of(new Bar("fr", 0.5), new Bar("en", 0.3), new Bar("java", 0.2))),
                new Panel("C", "", List.of(new Bar("python", 0.6), new Bar("java", 0.3), new Bar("en", 0.1)))));
        Map<String, String> fill = new HashMap<>();
        List<Element> groups = elements(parse(file), "g");
        assertEquals(9, groups.size());
        for (Element g : groups) {
            String category = g.getAttribute("data-category");
            String colour = ((Element) g.getElementsByTagNameNS("*", "rect").item(0)).getAttribute("fill");
            String before = fill.putIfAbsent(category, colour);
            assertTrue(before == null || before.equals(colour), category + ": " + before + " vs " + colour);
        }
        assertEquals(4, fill.values().stream().distinct().count(), "categories sharing a panel differ: " + fill);
    }

    @Test
    void whiskersAppearOnlyWhereThereIsAnInterval() throws Exception {
        Path file = dir.resolve("whiskers.svg");
        MixtureChart.write(file, "intervals", List.of(new Panel("t", "", List.of(new Bar("a", 0.5, 0.45, 0.56),
                new Bar("b", 0.3), new Bar("c", 0.2, 0.1, 0.3)))));
        Document doc = parse(file);
        List<Element> whiskers = elements(doc, "line").stream().filter(l -> l.getAttribute("class").equals("whisker"))
                .toList();
        assertEquals(2, whiskers.size());
        double x1 = Double.parseDouble(whiskers.getFirst().getAttribute("x1"));
        double x2 = Double.parseDouble(whiskers.getFirst().getAttribute("x2"));
        assertTrue(x1 < x2, "low end left of high end");
    }

    @Test
    void axisEndsAtTheLargestValueRoundedUpToTenPercent() throws Exception {
        Path small = dir.resolve("small.svg");
        MixtureChart.write(small, "t", List.of(new Panel("p", "", List.of(new Bar("a", 0.34), new Bar("b", 0.2)))));
        List<String> texts = texts(parse(small));
        assertTrue(texts.contains("40%") && !texts.contains("50%"), texts.toString());

        Path whisker = dir.resolve("whisker.svg");
        MixtureChart.write(whisker, "t", List.of(new Panel("p", "", List.of(new Bar("a", 0.34, 0.3, 0.41)))));
        assertTrue(texts(parse(whisker)).contains("50%"), "the whisker fits on the axis too");

        Path large = dir.resolve("large.svg");
        MixtureChart.write(large, "t", List.of(new Panel("p", "", List.of(new Bar("a", 0.87)))));
        List<String> largeTexts = texts(parse(large));
        assertTrue(largeTexts.contains("90%") && !largeTexts.contains("100%"), largeTexts.toString());

        Path full = dir.resolve("full.svg");
        MixtureChart.write(full, "t", List.of(new Panel("p", "", List.of(new Bar("a", 0.95)))));
        assertTrue(texts(parse(full)).contains("100%"));
    }

    @Test
    void longNamesWidenTheLabelColumnAndVeryLongOnesAreCut() throws Exception {
        Path shortFile = dir.resolve("short.svg");
        Path longFile = dir.resolve("long.svg");
        Path hugeFile = dir.resolve("huge.svg");
        String longName = "Northern Sami (Latin script), web crawl";
        String hugeName = "x".repeat(500);
        MixtureChart.write(shortFile, "t", List.of(new Panel("p", "", List.of(new Bar("en", 1)))));
        MixtureChart.write(longFile, "t", List.of(new Panel("p", "", List.of(new Bar(longName, 1)))));
        MixtureChart.write(hugeFile, "t", List.of(new Panel("p", "", List.of(new Bar(hugeName, 1)))));
        int shortWidth = Integer.parseInt(parse(shortFile).getDocumentElement().getAttribute("width"));
        int longWidth = Integer.parseInt(parse(longFile).getDocumentElement().getAttribute("width"));
        Document huge = parse(hugeFile);
        int hugeWidth = Integer.parseInt(huge.getDocumentElement().getAttribute("width"));
        assertTrue(longWidth > shortWidth + 150, shortWidth + " -> " + longWidth);
        assertTrue(texts(parse(longFile)).contains(longName));
        assertTrue(hugeWidth < 1000, "a 500-character name is cut, not drawn: " + hugeWidth);
        assertTrue(texts(huge).stream().anyMatch(t -> t.startsWith("xxxx") && t.endsWith("…")));
        // The label ends left of the bars, so it must start inside the card: x of its right edge leaves room.
        Element label = elements(huge, "text").stream().filter(t -> t.getTextContent().endsWith("…")).findFirst()
                .orElseThrow();
        assertTrue(Double.parseDouble(label.getAttribute("x")) > 240, label.getAttribute("x"));
    }

    @Test
    void pngDecodesAndGrowsWithThePanelCount() throws Exception {
        int[][] sizes = new int[4][];
        int[] counts = {1, 2, 4, 7};
        for (int k = 0; k < counts.length; k++) {
            List<Panel> panels = new ArrayList<>();
            for (int i = 0; i < counts[k]; i++) {
                panels.add(falling("tokenizer " + i, 5 + 4 * i));
            }
            Path file = dir.resolve("chart" + counts[k] + ".png");
            MixtureChart.write(file, "PNG with " + counts[k] + " panels", panels);
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(file)));
            assertNotNull(image, "decodes as PNG");
            sizes[k] = new int[] {image.getWidth(), image.getHeight()};
            // Not blank: page, cards, bars and antialiased text give many colours.
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int y = 0; y < image.getHeight(); y += 3) {
                for (int x = 0; x < image.getWidth(); x += 3) {
                    colours.add(image.getRGB(x, y));
                }
            }
            assertTrue(colours.size() > 50, colours.size() + " colours");
        }
        assertTrue(GraphicsEnvironment.isHeadless(), "charts are drawn headless");
        for (int k = 1; k < counts.length; k++) {
            assertTrue(sizes[k][0] >= sizes[k - 1][0] && sizes[k][1] >= sizes[k - 1][1],
                    counts[k] + " panels no smaller than " + counts[k - 1]);
            assertTrue((long) sizes[k][0] * sizes[k][1] > (long) sizes[k - 1][0] * sizes[k - 1][1],
                    counts[k] + " panels larger than " + counts[k - 1]);
        }
        assertTrue(sizes[1][0] > sizes[0][0] * 3 / 2 && sizes[1][1] < sizes[0][1] * 3 / 2, "2 panels side by side");
        assertTrue(sizes[3][0] > sizes[2][0], "7 panels in 3 columns");
    }

    @Test
    void rejectsUnknownExtensionNamingTheFileAndTheAcceptedOnes() throws Exception {
        List<Panel> panels = List.of(falling("p", 3));
        for (String name : List.of("chart.jpg", "chart", "chart.svg.tmp")) {
            Path file = dir.resolve(name);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MixtureChart.write(file, "t", panels));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(".svg")
                    && e.getMessage().contains(".png"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> MixtureChart.write(dir.resolve("x.svg"), "t", List.of()));
        assertEquals(List.of(), folder(dir), "nothing written");
    }

    @Test
    void replacesAnExistingFileAtomicallyAndLeavesNoTemporaryFile() throws Exception {
        Path svg = dir.resolve("result.svg");
        Path png = dir.resolve("result.PNG");
        Files.writeString(svg, "old chart");
        Files.writeString(png, "old chart");
        MixtureChart.write(svg, "new", List.of(falling("p", 4)));
        MixtureChart.write(png, "new", List.of(falling("p", 4)));
        assertTrue(Files.readString(svg).startsWith("<?xml"), "replaced");
        assertNotNull(ImageIO.read(png.toFile()), "replaced by a PNG (extension case does not matter)");
        assertEquals(List.of("result.PNG", "result.svg"), folder(dir), "no .tmp files left behind");
    }

    @Test
    void writesIntoAFolderThatDoesNotExistYet() throws Exception {
        Path file = dir.resolve("a/b/chart.svg");
        MixtureChart.write(file, "t", List.of(falling("p", 2)));
        assertTrue(Files.isRegularFile(file));
    }

    @Test
    void panelWithoutCategoriesSaysSoInBothFormats() throws Exception {
        List<Panel> panels = List.of(new Panel("empty", null, List.of()), falling("full", 2));
        MixtureChart.write(dir.resolve("empty.svg"), "t", panels);
        MixtureChart.write(dir.resolve("empty.png"), "t", panels);
        assertTrue(texts(parse(dir.resolve("empty.svg"))).contains("no categories"));
        assertNotNull(ImageIO.read(dir.resolve("empty.png").toFile()));
    }

    @Test
    void percentHasOneDecimalAndMarksTinyShares() {
        assertEquals("87.0%", MixtureChart.percent(0.87));
        assertEquals("0.1%", MixtureChart.percent(0.0005));
        assertEquals("<0.1%", MixtureChart.percent(0.0004));
        assertEquals("0.0%", MixtureChart.percent(0));
        assertEquals("100.0%", MixtureChart.percent(1));
    }

    @Test
    void rejectsWeightsThatAreNotFractionsAndReversedIntervals() {
        assertThrows(IllegalArgumentException.class, () -> new Bar("en", 87));
        assertThrows(IllegalArgumentException.class, () -> new Bar("en", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Bar("en", -0.1));
        assertThrows(IllegalArgumentException.class, () -> new Bar("en", 0.5, 0.6, 0.4));
        assertThrows(IllegalArgumentException.class, () -> new Bar("en", 0.5, 0.4, Double.POSITIVE_INFINITY));
        new Bar("en", -1e-9); // solver rounding is drawn as 0
    }
}
