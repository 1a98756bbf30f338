package dev.slipway.cli;

import dev.slipway.cli.demo.LoadGenerator;
import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import dev.slipway.testkit.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import javax.sql.DataSource;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.slipway.cli.CliHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real headless Chromium (Debian's, driven by Selenium through Debian's chromedriver) over a
 * real {@code slipway up} with the orders service, embedded PostgreSQL and a client load: an operator logs in with
 * the link {@code slipway dashboard} prints, watches a canary advance without reloading, promotes it with a click,
 * sees the background analysis's measurements in the Analyses card, and sees the guard refuse an undo, with its
 * reason. Screenshots go to {@code cli/target/dashboard-screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Path SCREENSHOTS = SlipwayProcesses.home().resolve("cli/target/dashboard-screenshots");

    @TempDir
    static Path databaseDirectory;
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path directory;
    @TempDir
    static Path browserProfile;

    private Database database;
    private SlipwayProcesses slipway;
    private LoadGenerator load;
    private WebDriver browser;
    private int routerPort;

    @BeforeAll
    void startUpAndTheBrowser() throws Exception {
        TestServices.requireChromium();
        database = Database.open("embedded", databaseDirectory);
        database.recreateDatabase("dashboard");
        DataSource dataSource = database.dataSource("dashboard");
        SchemaEngine engine = new SchemaEngine(dataSource, "public", SchemaOptions.defaults());
        engine.init();
        engine.start(MigrationFile.parse(SlipwayProcesses.home().resolve("examples/orders/migrations/001_initial.yaml")),
                progress -> { });
        engine.complete();
        try (var connection = dataSource.getConnection(); var statement = connection.createStatement()) {
            statement.execute("INSERT INTO public.customers (full_name, email) SELECT 'Seed Customer' || g, "
                    + "'seed@example.com' FROM generate_series(1, 500) g");
        }
        slipway = new SlipwayProcesses(directory);
        routerPort = CliHarness.freePort();
        slipway.up(spec("1.0.0", "[1, 1]", "[{setWeight: 100}]", false));
        await(WAIT, () -> slipway.apiStatus().path("stable").path("readyReplicas").asInt() == 1);
        load = new LoadGenerator(URI.create("http://127.0.0.1:" + routerPort + "/"), 40, 500);
        load.start();
        browser = chromium();
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            if (browser != null) {
                browser.quit();
            }
            if (load != null) {
                load.close();
            }
        } finally {
            if (slipway != null) {
                slipway.close();
            }
            if (database != null) {
                database.close();
            }
        }
    }

    @Test
    @Order(1)
    void theLinkLogsInAndTheCanaryAdvancesOnThePageWithoutAReload() throws Exception {
        CliHarness.Result started = slipway.cli("schema", "start",
                SlipwayProcesses.home().resolve("examples/orders/migrations/002_split_name.yaml").toString());
        assertThat(started.exitCode()).as(started.err()).isZero();

        CliHarness.Result link = slipway.cli("dashboard");
        assertThat(link.exitCode()).as(link.err()).isZero();
        browser.get(link.out().strip());
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.until(ExpectedConditions.textToBe(By.id("connection"), "live"));
        assertThat(browser.getTitle()).isEqualTo("orders · Slipway");
        assertThat(text("schema-state")).isEqualTo("{1, 2}");
        assertThat(text("backfill-text")).startsWith("Backfill of customers: ").endsWith("rows (100%) · done");
        // a reload would drop this: it proves that everything after it arrived over the live stream
        script("window.slipwayNoReload = true;");

        slipway.cli("apply", "-f", spec("2.0.0", "[2, 2]", """
                [{setWeight: 20}, {pause: 3s}, {setWeight: 50},
                 {analysis: {errorRate: {max: 0.05}, latencyP99: {max: 500ms}, minRequests: 20, window: 30s}},
                 {pause: {}}]""", true).toString());

        wait.until(ExpectedConditions.textToBe(By.id("phase"), "PROGRESSING"));
        wait.until(driver -> currentStep().equals("pause 3s"));
        assertThat(text("rollout-versions")).isEqualTo("1.0.0 → 2.0.0 · canary");
        wait.until(driver -> currentStep().equals("pause until promoted"));
        // the step can show before the rollout is saved as paused: the page then gets the phase in a later snapshot
        wait.until(ExpectedConditions.textToBe(By.id("phase"), "PAUSED"));
        assertThat(script("return Array.from(document.querySelectorAll('#steps li.done'), step => step.innerText.trim());"))
                .isEqualTo(List.of("setWeight 20%", "pause 3s", "setWeight 50%",
                        "analysis: errors ≤ 5.0%, p99 ≤ 500ms, ≥ 20 requests"));
        assertThat(text("canary")).contains("2.0.0").contains("1/1 ready").contains("50% of traffic");
        assertThat(text("pause")).isEqualTo("Paused until promoted.");
        assertThat(script("return window.slipwayNoReload === true;")).isEqualTo(true);
        // the error chart has measured both versions and draws the analysis limit
        wait.until(driver -> !browser.findElements(By.cssSelector("#error-chart path.canary")).isEmpty());
        assertThat(browser.findElements(By.cssSelector("#error-chart line.limit"))).hasSize(1);
        // the background analysis's card: its outcome, each metric's tally, and one chart mark per measurement
        // (the card is redrawn with every live update, hence the whole check in one wait that retries a stale read)
        wait.ignoring(StaleElementReferenceException.class).withMessage(() -> "Analyses card: " + text("analyses"))
                .until(driver -> {
                    WebElement metric = browser.findElement(By.xpath("//div[@id='analyses']/div[@class='analysis']"
                            + "[div/strong[text()='background']][div/span[text()='successful']]"
                            + "//div[@class='analysis-metric'][div/strong[text()='error-share']]"));
                    return metric.getText().contains("3 successful, 0 failed, 0 inconclusive, 0 errors")
                            && metric.findElements(By.cssSelector("svg[aria-label='measurements of error-share']"
                            + " circle.mark.successful")).size() == 3;
                });
        screenshot("dashboard-canary.png");
    }

    @Test
    @Order(2)
    void clickingPromoteAndConfirmingFinishesTheRollout() throws Exception {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        browser.findElement(By.id("btn-promote")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-dialog")));
        assertThat(text("confirm-text")).isEqualTo("End the current pause of orders 2.0.0 and go on with the next step.");
        browser.findElement(By.id("confirm-ok")).click();

        wait.until(ExpectedConditions.textToBe(By.id("phase"), "PROMOTED"));
        wait.until(driver -> text("stable").contains("2.0.0"));
        assertThat(text("canary")).contains("no canary");
        assertThat(browser.findElements(By.cssSelector("#steps li.done"))).hasSize(5);
        assertThat(script("return window.slipwayNoReload === true;")).isEqualTo(true);
        wait.until(driver -> text("audit").contains("dashboard promote requested"));
        screenshot("dashboard-promoted.png");
    }

    @Test
    @Order(3)
    void anUndoTheGuardRefusesShowsItsReasonAndOffersTheForcedWay() throws Exception {
        CliHarness.Result completed = slipway.cli("schema", "complete");
        assertThat(completed.exitCode()).as(completed.err()).isZero();
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.until(driver -> text("schema-state").equals("{2}"));
        wait.until(driver -> text("guard").contains("rollout undo --to 1.0.0 refused"));

        browser.findElement(By.id("btn-undo")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-dialog")));
        assertThat(text("confirm-text")).isEqualTo("Go back to 1.0.0 on all replicas.");
        browser.findElement(By.id("confirm-ok")).click();

        WebElement refusal = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("refusal")));
        assertThat(refusal.getText()).startsWith("refused: undo to orders 1.0.0 would leave the schema at {2}, but")
                .contains("1.0.0 reads schema [1, 1]")
                .contains("Roll forward instead: ship a release that reads schema {2}.");
        assertThat(browser.findElement(By.id("btn-force")).getText()).isEqualTo("Force with backup…");
        assertThat(text("stable")).as("nothing changed").contains("2.0.0");
        wait.until(driver -> text("audit").contains("undo to orders 1.0.0 refused"));
        screenshot("dashboard-undo-refused.png");
        assertThat(load.failures()).as("requests the client saw fail").isEmpty();
    }

    private WebDriver chromium() throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(onPath("chromium"));
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + browserProfile, "--window-size=1280,1500", "--lang=en-GB");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(onPath("chromedriver"))).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static String onPath(String command) {
        for (String folder : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(folder, command);
            if (!folder.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(command + " is not on PATH");
    }

    /** Read in one script: the list is redrawn with every live update, so an element found first may be gone. */
    private String currentStep() {
        return (String) script("const step = document.querySelector('#steps li.current');"
                + " return step ? step.innerText.trim() : '';");
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private Object script(String javascript) {
        return ((JavascriptExecutor) browser).executeScript(javascript);
    }

    private void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = SCREENSHOTS.resolve(name);
        Files.move(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("screenshot: " + target);
    }

    /** @param background whether the router-checks template runs as background analysis for the whole rollout */
    private Path spec(String version, String schema, String steps, boolean background) throws Exception {
        Path file = directory.resolve("slipway-" + version + ".yaml");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = SlipwayProcesses.home().resolve("examples/orders/target/orders-" + version + ".jar").toString();
        List<String> lines = new ArrayList<>(List.of(
                "service: orders",
                "database: {url: \"" + database.jdbcUrl("dashboard") + "?user=" + database.user()
                        + "\", passwordFile: \"" + databaseDirectory.resolve(EmbeddedServer.PASSWORD_FILE) + "\"}",
                "router: {listen: 127.0.0.1:" + routerPort + "}",
                "analysisTemplates: [{name: router-checks, metrics: [{name: error-share, interval: 2s, count: 3,"
                        + " inconclusiveLimit: 2, successCondition: 'result < 0.05',"
                        + " provider: {router: {metric: errorRate, minRequests: 1}}}]}]",
                "release:",
                "  version: " + version,
                "  run: {command: [" + java + ", -Xmx64m, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, \""
                        + slipway.replicaMarker(version) + "\", -jar, \"" + jar + "\"]}",
                "  schema: " + schema,
                "  replicas: 1",
                "  health: {readiness: {path: /ready, period: 250ms, timeout: 1s, failureThreshold: 2, startPeriod: 40s}}",
                "  strategy: {canary: {" + (background ? "analysis: {templates: [router-checks]}, " : "") + "steps: "
                        + steps.strip().replace("\n", " ") + "}}"));
        Files.write(file, lines);
        return file;
    }
}
