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
    private final String rateUnit;
    private final long startNanos = System.nanoTime();
    private long done;
    private long bytes;
    private long lastPrintNanos;

    Progress(PrintStream err, String label, long total) {
        this(err, label, total, null);
    }

    /**
     * A bar whose rate counts units ({@code "merges"}) instead of megabytes.
     *
     * @param rateUnit the unit of {@code done}, shown as "N unit/s"; null shows MB/s of the bytes advanced
     */
    Progress(PrintStream err, String label, long total, String rateUnit) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.tty = System.console() != null;
        this.rateUnit = rateUnit;
    }

    synchronized void advance(long units, long bytesDone) {
        done += units;
        bytes += bytesDone;
        long now = System.nanoTime();
        if (done < total && now - lastPrintNanos < (tty ? 100_000_000L : 5_000_000_000L)) {
            return;
        }
        print(now);
    }

    private void print(long now) {
        lastPrintNanos = now;
        double secs = Math.max(1e-9, (now - startNanos) / 1e9);
        String rate = rateUnit == null ? String.format("%.1f MB/s", bytes / 1e6 / secs)
                : String.format("%,.0f %s/s", done / secs, rateUnit);
        double eta = done == 0 ? 0 : secs * (total - done) / done;
        int width = 30;
        int filled = (int) Math.min(width, width * done / Math.max(1, total));
        String bar = "#".repeat(filled) + " ".repeat(width - filled);
        String line = String.format("%s [%s] %d/%d  %s  ETA %.0fs", label, bar, done, total, rate, eta);
        if (tty) {
            err.print("\r" + line + (done >= total ? "\n" : ""));
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** Prints the final state of a bar whose work stopped short of {@code total} (no-op when it completed). */
    synchronized void finish() {
        if (done < total) {
            print(System.nanoTime());
            if (tty) {
                err.println();
            }
        }
    }
}
