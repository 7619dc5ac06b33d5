import Testing
@testable import TableOrderAPI

/// `Authorization: Bearer <token>` parsing, which every request goes through.
@Suite struct BearerHeaderTests {
    @Test func extractsTheTokenWhateverTheSchemeCaseAndSpacing() {
        #expect(AuthMiddleware.bearerToken("Bearer abc.def.ghi") == "abc.def.ghi")
        #expect(AuthMiddleware.bearerToken("bearer   abc \t") == "abc")
        #expect(AuthMiddleware.bearerToken("BEARER abc") == "abc")
    }

    @Test func refusesOtherSchemesAndEmptyTokens() {
        #expect(AuthMiddleware.bearerToken("Basic abc") == nil)
        #expect(AuthMiddleware.bearerToken("Bearer") == nil)
        #expect(AuthMiddleware.bearerToken("Bearer   ") == nil)
        #expect(AuthMiddleware.bearerToken("abc") == nil)
    }
}
