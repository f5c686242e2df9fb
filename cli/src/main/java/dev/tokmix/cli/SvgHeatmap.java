package dev.tokmix.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Writes a table of numbers as a self-contained SVG heatmap (crash-safe: temp file, fsync, rename). */
final class SvgHeatmap {
    private SvgHeatmap() {
    }

    static void write(Path file, String title, List<String> rows, List<String> cols, double[][] v)
            throws IOException {
        int cell = 64;
        int rowH = 22;
        int left = 8 + 7 * rows.stream().mapToInt(String::length).max().orElse(8);
        int top = 110;
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (double[] row : v) {
            for (double x : row) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
        }
        int width = left + cell * cols.size() + 20;
        int height = top + rowH * rows.size() + 20;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append("<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">").append(esc(title))
                .append("</text>\n");
        for (int c = 0; c < cols.size(); c++) {
            int x = left + c * cell + cell / 2;
            s.append("<text transform=\"translate(").append(x).append(',').append(top - 6)
                    .append(") rotate(-45)\">").append(esc(cols.get(c))).append("</text>\n");
        }
        for (int r = 0; r < rows.size(); r++) {
            int y = top + r * rowH;
            s.append("<text x=\"4\" y=\"").append(y + 15).append("\">").append(esc(rows.get(r))).append("</text>\n");
            for (int c = 0; c < cols.size(); c++) {
                double t = max > min ? (v[r][c] - min) / (max - min) : 0.5;
                int red = (int) (255 - 200 * t);
                int green = (int) (120 + 100 * t);
                int blue = (int) (120 + 80 * (1 - t));
                int x = left + c * cell;
                s.append("<rect x=\"").append(x).append("\" y=\"").append(y).append("\" width=\"").append(cell - 1)
                        .append("\" height=\"").append(rowH - 1).append("\" fill=\"rgb(").append(red).append(',')
                        .append(green).append(',').append(blue).append(")\"/>");
                s.append("<text x=\"").append(x + cell / 2).append("\" y=\"").append(y + 15)
                        .append("\" text-anchor=\"middle\">").append(String.format("%.2f", v[r][c]))
                        .append("</text>\n");
            }
        }
        s.append("</svg>\n");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(s.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
