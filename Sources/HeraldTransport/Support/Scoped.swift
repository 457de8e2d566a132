/// Runs `body` with `resource`, then `close`s it whether `body` returns or throws: the one shape behind every
/// `withX { }` of this module.
func withClosing<Resource: Sendable, T>(
    _ resource: Resource,
    isolation: isolated (any Actor)? = #isolation,
    close: (Resource) async -> Void,
    _ body: (Resource) async throws -> T
) async throws -> T {
    do {
        let result = try await body(resource)
        await close(resource)
        return result
    } catch {
        await close(resource)
        throw error
    }
}
