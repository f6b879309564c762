package org.cfsj.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * Usage errors at the top level: a command that exists only under {@code cfsj oci} (such as
 * {@code cfsj mount} or {@code cfsj pull}) gets "Did you mean: cfsj oci mount?" rather than
 * picocli's nearest spelling ({@code umount}). Everything else, typo suggestions included, goes
 * to the handler picocli would have used.
 */
final class OciSuggestion implements CommandLine.IParameterExceptionHandler {
    private final CommandLine.IParameterExceptionHandler fallback;

    OciSuggestion(CommandLine.IParameterExceptionHandler fallback) {
        this.fallback = fallback;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) throws Exception {
        CommandLine cmd = ex.getCommandLine();
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && cmd.getParent() == null) {
            List<String> names = unmatched.getUnmatched();
            CommandLine oci = cmd.getSubcommands().get("oci");
            if (!names.isEmpty() && oci != null && oci.getSubcommands().containsKey(names.getFirst())
                    && !cmd.getSubcommands().containsKey(names.getFirst())) {
                PrintWriter err = cmd.getErr();
                err.println(ex.getMessage());
                err.println("Did you mean: " + cmd.getCommandName() + " oci " + names.getFirst() + "?");
                err.flush();
                return cmd.getCommandSpec().exitCodeOnInvalidInput();
            }
        }
        return fallback.handleParseException(ex, args);
    }
}
