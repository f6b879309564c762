package org.cfsj.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The help reads well at the default 80 columns: the command lists show whole sentences, and no
 * line break falls inside a word of a description (a path such as {@code ~/.docker/config.json}
 * or a syntax such as {@code oci:DIR[:TAG],}).
 */
class HelpTextTest {
    private static List<CommandLine> allCommands() {
        List<CommandLine> all = new ArrayList<>();
        List<CommandLine> todo = new ArrayList<>(List.of(new CommandLine(new Main())));
        while (!todo.isEmpty()) {
            CommandLine cl = todo.removeLast();
            all.add(cl);
            cl.getSubcommands().values().stream().distinct()
                    .filter(sub -> !all.contains(sub) && !todo.contains(sub)).forEach(todo::add);
        }
        return all;
    }

    @Test
    void everyCommandsSummaryIsACompleteSentence() {
        for (CommandLine cl : allCommands()) {
            String[] description = cl.getCommandSpec().usageMessage().description();
            String name = cl.getCommandSpec().qualifiedName();
            assertTrue(description.length > 0, name + " has no description");
            assertTrue(description[0].endsWith("."), name + ": summary is not a whole sentence: " + description[0]);
        }
    }

    @Test
    void theOciCommandListEndsEverySummaryWithASentence() {
        String help = CliRunner.run("oci", "--help").outText();
        String commands = help.substring(help.indexOf("Commands:\n"));
        // one entry: a line naming the command, then its indented continuation lines
        String entry = "";
        for (String line : (commands.substring("Commands:\n".length()) + "  end\n").split("\n")) {
            if (line.matches("  \\S.*")) {
                assertTrue(entry.isEmpty() || entry.strip().endsWith("."), "summary cut mid-sentence: " + entry);
                entry = line;
            } else {
                entry += " " + line.strip();
            }
        }
    }

    @Test
    void noLineBreakFallsInsideAWord() {
        List<String> split = new ArrayList<>();
        for (CommandLine cl : allCommands()) {
            String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
            List<String> lines = usage.lines().map(String::strip).toList();
            CommandSpec spec = cl.getCommandSpec();
            Stream<String> texts = Stream.concat(Stream.of(spec.usageMessage().description()),
                    spec.args().stream().flatMap(a -> Stream.of(((ArgSpec) a).description())));
            texts.flatMap(t -> Stream.of(t.split("\\s+"))).filter(w -> !w.isEmpty() && !w.contains("%"))
                    .filter(word -> lines.stream().noneMatch(l -> l.contains(word)))
                    .forEach(word -> split.add(spec.qualifiedName() + ": '" + word + "'"));
        }
        assertTrue(split.isEmpty(), "a line break splits a word:\n" + String.join("\n", split));
    }
}
