/// The OpenAPI 3.1 document of the agent's API, served at `/openapi.json`; `docs/agent-openapi.json` holds the same
/// text (a test keeps them equal).
enum AgentOpenAPI {
    static let document = #"""
    {"openapi":"3.1.0","info":{"title":"Herald TestAgent API","version":"1"},"paths":{}}
    """#
}
