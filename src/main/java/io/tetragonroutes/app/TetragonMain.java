package io.tetragonroutes.app;

import io.quarkus.runtime.Quarkus;
import io.tetragonroutes.backfill.Backfill;
import io.tetragonroutes.check.Check;

import java.util.Arrays;

/**
 * The app's entry point ({@code quarkus.package.main-class}). {@code java -jar quarkus-run.jar} runs the pipeline
 * (Quarkus, which starts the Camel routes); {@code java -jar quarkus-run.jar check [--connect]} validates the
 * configuration, routes, kamelets and rules and exits, without starting Quarkus or any route ({@link Check});
 * {@code java -jar quarkus-run.jar backfill <files>} ships old exports through the routes on Camel Main and exits
 * ({@link Backfill}).
 * <p>
 * Not {@code @QuarkusMain}: with one, Camel Quarkus leaves starting Camel to that main, and tests (which do not run
 * it) would get no routes.
 */
public final class TetragonMain {

    private TetragonMain() {
    }

    public static void main(String... args) {
        if (args.length > 0 && (args[0].equals("check") || args[0].equals("backfill"))) {
            logToConsole();
        }
        if (args.length > 0 && args[0].equals("check")) {
            System.exit(Check.run(Arrays.copyOfRange(args, 1, args.length), System.out));
        }
        if (args.length > 0 && args[0].equals("backfill")) {
            System.exit(Backfill.run(Arrays.copyOfRange(args, 1, args.length), System.out));
        }
        Quarkus.run(args);
    }

    /**
     * Without Quarkus started, its logging keeps every record in a queue until its configuration is applied: a
     * backfill's million log calls would fill the heap. Give that queue a console handler instead.
     */
    private static void logToConsole() {
        java.util.logging.Handler console = new org.jboss.logmanager.handlers.ConsoleHandler(
                org.jboss.logmanager.handlers.ConsoleHandler.Target.SYSTEM_ERR,
                new org.jboss.logmanager.formatters.PatternFormatter("%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{3.}] %s%e%n"));
        console.setLevel(java.util.logging.Level.INFO);
        io.quarkus.bootstrap.logging.InitialConfigurator.DELAYED_HANDLER.setHandlers(
                new java.util.logging.Handler[] {console});
    }
}
