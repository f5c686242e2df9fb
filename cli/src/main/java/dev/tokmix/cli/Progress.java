package dev.tokmix.cli;

import java.io.PrintStream;

/**
 * A progress bar on stderr for long work: redrawn in place on a terminal, a line every few seconds otherwise
 * (so logs of CI runs stay readable). Thread-safe.
 */
final class Progress {
    private final PrintStream err;
    private final String label;
    private final long total;
    private final boolean tty;
    private final long startNanos = System.nanoTime();
    private long done;
    private long bytes;
    private long lastPrintNanos;

    Progress(PrintStream err, String label, long total) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.tty = System.console() != null;
    }

    synchronized void advance(long units, long bytesDone) {
        done += units;
        bytes += bytesDone;
        long now = System.nanoTime();
        if (done < total && now - lastPrintNanos < (tty ? 100_000_000L : 5_000_000_000L)) {
            return;
        }
        lastPrintNanos = now;
        double secs = Math.max(1e-9, (now - startNanos) / 1e9);
        double mbps = bytes / 1e6 / secs;
        double eta = done == 0 ? 0 : secs * (total - done) / done;
        int width = 30;
        int filled = (int) (width * done / Math.max(1, total));
        String bar = "#".repeat(filled) + " ".repeat(width - filled);
        String line = String.format("%s [%s] %d/%d  %.1f MB/s  ETA %.0fs", label, bar, done, total, mbps, eta);
        if (tty) {
            err.print("\r" + line + (done >= total ? "\n" : ""));
        } else {
            err.println(line);
        }
        err.flush();
    }
}
