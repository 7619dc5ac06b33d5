import Foundation
import NIOHTTP1

/// A W3C WebDriver client (https://www.w3.org/TR/webdriver2/) for chromedriver and a headless Chromium
/// (Debian's `chromium` and `chromium-driver`, installed by `ops/browser.sh install`): the few commands a
/// page test needs, over the tests' own HTTP client.
///
/// Use `WebDriver.withSession { browser in … }`: it quits the browser and stops chromedriver whether the
/// body returns or throws.
final class WebDriver: @unchecked Sendable {
    /// An element found on the page (the W3C web element reference).
    struct Element: Sendable {
        let id: String
        var reference: [String: Any] { [WebDriver.elementKey: id] }
    }

    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"
    static let chromedriverPath = "/usr/bin/chromedriver"
    static let chromiumPath = "/usr/bin/chromium"
    static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: chromedriverPath)
            && FileManager.default.isExecutableFile(atPath: chromiumPath)
    }

    private let driver: ManagedProcess
    private let http: TestHTTP
    private let session: String
    /// Chromium's main process, as the new session reported it (`goog:processID`).
    private let browserPID: pid_t?

    private init(driver: ManagedProcess, http: TestHTTP, session: String, browserPID: pid_t?) {
        self.driver = driver
        self.http = http
        self.session = session
        self.browserPID = browserPID
    }

    /// Starts chromedriver and a headless Chromium, runs `body`, and always quits both.
    static func withSession<T>(
        language: String = "en-US", _ body: (WebDriver) async throws -> T
    ) async throws -> T {
        let browser = try await start(language: language)
        do {
            let result = try await body(browser)
            await browser.quit()
            return result
        } catch {
            await browser.quit()
            throw error
        }
    }

    /// chromedriver on a free port, then a new session (a fresh profile, so a fresh sessionStorage).
    static func start(language: String) async throws -> WebDriver {
        guard isInstalled else {
            throw TestFailure("chromium and chromedriver are missing: run ops/browser.sh install")
        }
        let port = TestEnvironment.freePort()
        let driver = try await ManagedProcess(
            name: "chromedriver", executable: chromedriverPath, arguments: ["--port=\(port)"],
            environment: ProcessInfo.processInfo.environment)
        let http = TestHTTP(baseURL: "http://127.0.0.1:\(port)")
        do {
            try await waitReady(http, driver)
            let (session, browserPID) = try await newSession(http, language: language)
            return WebDriver(driver: driver, http: http, session: session, browserPID: browserPID)
        } catch {
            await driver.stop()
            throw error
        }
    }

    private static func waitReady(_ http: TestHTTP, _ driver: ManagedProcess) async throws {
        _ = try await Cluster.eventually(timeout: .seconds(20), "chromedriver to be ready") { () -> Bool? in
            guard driver.isRunning else { throw TestFailure("chromedriver exited:\n\(driver.output)") }
            guard let status = try? await http.get("/status"), status.status == 200 else { return nil }
            return ((status.json["value"] as? [String: Any])?["ready"] as? Bool) == true ? true : nil
        }
    }

    private static func newSession(_ http: TestHTTP, language: String) async throws -> (String, pid_t?) {
        let options: [String: Any] = [
            "binary": chromiumPath,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900", "--lang=\(language)",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
            ],
            "prefs": ["intl.accept_languages": language],
        ]
        let capabilities: [String: Any] = [
            "capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]
        ]
        let result = try await http.request(.POST, "/session", json: capabilities)
        let value = try value(of: result, "new session")
        guard let session = (value as? [String: Any])?["sessionId"] as? String else {
            throw TestFailure("webdriver: no session id in \(result.text)")
        }
        let granted = (value as? [String: Any])?["capabilities"] as? [String: Any]
        return (session, (granted?["goog:processID"] as? Int).map { pid_t($0) })
    }

    /// Ends the session (chromedriver closes Chromium) and stops chromedriver. Never throws: it runs on
    /// every path. chromedriver is killed rather than asked to stop, and a Chromium that outlived its
    /// session is killed by its own pid.
    func quit() async {
        _ = try? await http.request(.DELETE, "/session/\(session)")
        driver.kill()
        await driver.exited()
        if let browserPID, kill(browserPID, 0) == 0 {
            try? await Task.sleep(for: .seconds(1))
            if kill(browserPID, 0) == 0 { kill(browserPID, SIGKILL) }
        }
    }

    // MARK: - Commands

    func navigate(to url: String) async throws {
        _ = try await command(.POST, "url", ["url": url])
    }

    /// The first element matching the CSS selector, or an error.
    func find(_ selector: String) async throws -> Element {
        let value = try await command(.POST, "element", ["using": "css selector", "value": selector])
        return try Self.element(value)
    }

    func findAll(_ selector: String) async throws -> [Element] {
        let value = try await command(.POST, "elements", ["using": "css selector", "value": selector])
        return try (value as? [Any] ?? []).map(Self.element)
    }

    /// Polls until an element matches (the page updates asynchronously).
    @discardableResult
    func waitFor(_ selector: String, timeout: Duration = .seconds(10)) async throws -> Element {
        try await Cluster.eventually(timeout: timeout, "an element matching \(selector)") {
            try await findAll(selector).first
        }
    }

    /// Polls until nothing matches.
    func waitForNone(_ selector: String, timeout: Duration = .seconds(10)) async throws {
        _ = try await Cluster.eventually(timeout: timeout, "no element matching \(selector)") {
            try await findAll(selector).isEmpty ? true : nil
        }
    }

    /// Clicks an element, first scrolled to the middle of its scrolling box (WebDriver's own scrolling puts
    /// it at an edge, where a sticky bar can cover it).
    func click(_ element: Element) async throws {
        try await execute("arguments[0].scrollIntoView({ block: 'center', inline: 'center' }); return true", [element])
        _ = try await command(.POST, "element/\(element.id)/click", [:])
    }

    /// Clicks the first element matching the selector, finding it again if the page redrew it meanwhile.
    func click(_ selector: String, timeout: Duration = .seconds(10)) async throws {
        _ = try await Cluster.eventually(timeout: timeout, "a click on \(selector)") { () -> Bool? in
            guard let element = try await findAll(selector).first else { return nil }
            do {
                try await click(element)
                return true
            } catch let failure as TestFailure where failure.description.contains("stale element") {
                return nil
            }
        }
    }

    func type(_ text: String, into selector: String) async throws {
        let element = try await waitFor(selector)
        _ = try await command(.POST, "element/\(element.id)/value", ["text": text])
    }

    func text(of element: Element) async throws -> String {
        try await command(.GET, "element/\(element.id)/text") as? String ?? ""
    }

    /// The text of the first element matching the selector, found again if the page redrew it between the
    /// find and the read (the pages redraw lists as events arrive).
    func text(_ selector: String, timeout: Duration = .seconds(10)) async throws -> String {
        try await Cluster.eventually(timeout: timeout, "the text of \(selector)") { () -> String? in
            guard let element = try await findAll(selector).first else { return nil }
            do {
                return try await text(of: element)
            } catch let failure as TestFailure where failure.description.contains("stale element") {
                return nil
            }
        }
    }

    /// Runs `script` (a function body: `return …`) in the page; elements in `arguments` are passed as such.
    @discardableResult
    func execute(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        let args = arguments.map { ($0 as? Element)?.reference ?? $0 }
        return try await command(.POST, "execute/sync", ["script": script, "args": args])
    }

    /// The viewport as PNG.
    func screenshot() async throws -> Data {
        guard let base64 = try await command(.GET, "screenshot") as? String, let png = Data(base64Encoded: base64)
        else {
            throw TestFailure("webdriver: screenshot was not base64")
        }
        return png
    }

    /// The browser's console and network errors so far (chromedriver's log extension).
    func browserLog() async -> [String] {
        let value = try? await command(.POST, "se/log", ["type": "browser"])
        return (value as? [[String: Any]] ?? []).map { "\($0["level"] ?? "") \($0["message"] ?? "")" }
    }

    /// Cuts the page's network or gives it back (Chromium's network emulation, through chromedriver's
    /// `chromium/network_conditions` extension): offline, a fetch fails at once, as on a dead Wi-Fi.
    func setOffline(_ offline: Bool) async throws {
        if offline {
            let conditions: [String: Any] = ["offline": true, "latency": 0, "download_throughput": 0, "upload_throughput": 0]
            _ = try await command(.POST, "chromium/network_conditions", ["network_conditions": conditions])
        } else {
            _ = try await command(.DELETE, "chromium/network_conditions")
        }
    }

    /// Opens a new window (a second device on the same browser: its own page, the same origin's storage)
    /// and returns its handle; the session stays on the current window until `switchTo`.
    func newWindow() async throws -> String {
        let value = try await command(.POST, "window/new", ["type": "window"]) as? [String: Any]
        guard let handle = value?["handle"] as? String else { throw TestFailure("webdriver: no window handle") }
        return handle
    }

    func currentWindow() async throws -> String {
        guard let handle = try await command(.GET, "window") as? String else { throw TestFailure("webdriver: no window") }
        return handle
    }

    func switchTo(window handle: String) async throws {
        _ = try await command(.POST, "window", ["handle": handle])
    }

    /// The window's size in CSS pixels (1280×800 is a landscape tablet, 768×1024 a portrait one).
    func setWindowSize(width: Int, height: Int) async throws {
        _ = try await command(.POST, "window/rect", ["width": width, "height": height])
    }

    // MARK: - Wire

    private func command(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        let result = try await http.request(method, "/session/\(session)/\(path)", json: body)
        return try Self.value(of: result, "\(method) \(path)")
    }

    /// The `value` of an answer; a W3C error (`{"value": {"error", "message"}}`) becomes a thrown failure.
    private static func value(of result: HTTPResult, _ what: String) throws -> Any? {
        let value = result.json["value"]
        guard result.status == 200 else {
            let error = value as? [String: Any]
            throw TestFailure(
                "webdriver \(what): \(result.status) \(error?["error"] ?? "") \(error?["message"] ?? result.text)")
        }
        return value is NSNull ? nil : value
    }

    private static func element(_ value: Any?) throws -> Element {
        guard let id = (value as? [String: Any])?[elementKey] as? String else {
            throw TestFailure("webdriver: not an element: \(String(describing: value))")
        }
        return Element(id: id)
    }
}
