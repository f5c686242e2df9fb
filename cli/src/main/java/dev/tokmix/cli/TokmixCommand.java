package dev.tokmix.cli;

import dev.tokmix.core.TokmixException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tokmix} command line: a thin front end over the library. Exit status 0 on success, 1 when the work
 * fails (bad input files, disallowed special tokens, unknown ids), 2 on a usage error.
 */
@Command(name = "tokmix", mixinStandardHelpOptions = true, version = "tokmix 0.1.0",
        description = "Native-speed toolkit for LLM pretraining data: exact BPE encoding of released tokenizers,"
                + " BPE training on exact data mixtures, data-mixture inference from merge lists.",
        subcommands = {EncodeCommand.class, DecodeCommand.class, InfoCommand.class, TrainCommand.class,
                InferCommand.class, ExperimentCommand.class, ShardCommand.class, InspectCommand.class, SampleCommand.class, BenchCommand.class,
                DemoCommand.class, CompressionCommand.class,
                CommandLine.HelpCommand.class})
public final class TokmixCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /**
     * Runs the CLI.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.err, true)));
    }

    /**
     * Runs the CLI without exiting the JVM, for tests and embedding.
     *
     * @param args command-line arguments
     * @param err  where errors go
     * @return the exit status
     */
    public static int execute(String[] args, PrintWriter err) {
        CommandLine cl = new CommandLine(new TokmixCommand());
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof TokmixException || ex instanceof UncheckedIOException
                    || ex instanceof java.io.IOException || ex instanceof IllegalArgumentException) {
                commandLine.getErr().println("tokmix: error: " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cl.execute(args);
    }
}
