package org.cfsj.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cfsj help [COMMAND...]}: the usage help of the deepest named command, so that
 * {@code cfsj help oci pull} shows pull's help (picocli's own help command stops at the first name).
 * Every name must be a subcommand (or alias) of the one before it, else it is a usage error.
 */
@Command(name = "help", helpCommand = true,
        description = "Show the help of a command, e.g. 'cfsj help oci pull'.")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean helpRequested;

    @CommandLine.Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "The command (and its subcommands) to show the help of.")
    String[] commands = {};

    private CommandLine self;
    private CommandLine.Help.ColorScheme colorScheme;
    private PrintWriter out;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme,
            PrintWriter out, PrintWriter err) {
        this.self = helpCommandLine;
        this.colorScheme = colorScheme;
        this.out = out;
    }

    @Override
    public void run() {
        CommandLine parent = self.getParent();
        if (parent == null) {
            return;
        }
        CommandLine target = parent;
        for (String name : commands) {
            CommandLine sub = target.getSubcommands().get(name);
            if (sub == null) {
                throw new CommandLine.ParameterException(target, "Unknown subcommand '" + name + "'.", null, name);
            }
            target = sub;
        }
        target.usage(out, colorScheme);
        out.flush();
    }
}
