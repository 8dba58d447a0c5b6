package io.tickreplay.api.http;

import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Debian's chromium and chromedriver, headless, as the cockpit's browser tests drive them; screenshots into {@link #SHOTS}. */
final class HeadlessChromium
{
    static final Path SHOTS = Path.of("target", "cockpit-screenshots");

    private HeadlessChromium()
    {
    }

    /** A browser of this window size; {@code acceptPrompts}: a confirm() the test does not read first is answered OK. */
    static WebDriver start(final int width, final int height, final boolean acceptPrompts) throws IOException
    {
        Files.createDirectories(SHOTS);
        final ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=" + width + "," + height);
        if (acceptPrompts)
        {
            options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.ACCEPT);
        }
        final ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort().build();
        final WebDriver browser = new ChromeDriver(driver, options);
        browser.manage().window().setSize(new Dimension(width, height));
        return browser;
    }

    /** The page as it is now, to {@code target/cockpit-screenshots/<name>.png}. */
    static void shot(final WebDriver browser, final String name) throws IOException
    {
        final File png = ((TakesScreenshot)browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
