import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing
@testable import TableOrderAPI

/// `GET /admin`, `GET /table` and their files, served from the target's resources through the real router.
@Suite struct PageRoutesTests {
    @Test func everyFileIsServedWithItsTypeAndNoCache() async throws {
        let deps = try await TestDependencies.make()
        let (router, _) = APIRouter.make(deps: deps, registry: PrometheusCollectorRegistry())
        try await Application(router: router).test(.router) { client in
            for asset in PageAssets.manifest {
                try await client.execute(uri: asset.path, method: .get) { response in
                    #expect(response.status == .ok, "\(asset.path)")
                    #expect(response.headers[.contentType] == asset.contentType)
                    #expect(response.headers[.cacheControl] == "no-cache")
                    #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                    #expect(response.body.readableBytes > 0)
                    let etag = try #require(response.headers[.eTag])
                    try await client.execute(uri: asset.path, method: .get, headers: [.ifNoneMatch: etag]) { again in
                        #expect(again.status == .notModified)
                        #expect(again.body.readableBytes == 0)
                    }
                }
            }
            try await client.execute(uri: "/admin/missing.js", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json")
            }
        }
    }

    @Test func thePageLoadsItsFilesFromWhereTheyAreServed() throws {
        let assets = PageAssets.load(logger: Logger(label: "test"))
        #expect(assets.problem == nil)
        let board = String(buffer: try #require(assets.loaded["/admin"]).body)
        #expect(board.contains("href=\"/admin/board.css\""))
        #expect(board.contains("src=\"/admin/board.js\""))
        let tablet = String(buffer: try #require(assets.loaded["/table"]).body)
        #expect(tablet.contains("href=\"/table/tablet.css\""))
        #expect(tablet.contains("src=\"/table/tablet.js\""))
    }

    @Test func missingFilesLeaveThePagesOutNotTheAPI() {
        #expect(PageAssets.read(from: URL(fileURLWithPath: "/nonexistent")) == nil)
        #expect(PageAssets.etag([]) == "\"cbf29ce484222325\"")
    }

    @Test func theDocumentDescribesThePages() throws {
        let paths = try #require(OpenAPIDocument.document["paths"])
        for asset in PageAssets.manifest {
            let content = paths[asset.path]?["get"]?["responses"]?["200"]?["content"]
            #expect(content?.keys == [String(asset.contentType.prefix { $0 != ";" })], "\(asset.path)")
        }
    }
}
