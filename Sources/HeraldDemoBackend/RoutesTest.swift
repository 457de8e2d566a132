import Foundation
import Hummingbird

/// `/health` and the unauthenticated `/test/…` helpers that set up users and disturb connections.
struct TestRoutes: Sendable {
    let store: Store
    let notifier: Notifier
    let rows: DemoRows?

    private struct NewUser: Decodable {
        let role: String
        let name: String?
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in
            JSON.response(["status": "ok"])
        }

        router.post("/test/users") { request, _ in
            let body = try await JSON.decode(NewUser.self, from: request)
            guard let role = Role(rawValue: body.role) else {
                throw APIError.badRequest("role must be \"buyer\" or \"seller\"")
            }
            let name = body.name?.strippingWhitespace()
            let user = store.createUser(role: role, name: name?.isEmpty == false ? name : nil)
            rows?.userCreated(user)
            return JSON.response(user, status: .created)
        }

        router.delete("/test/users/:id") { _, context in
            let id = try context.parameters.require("id")
            guard store.deleteUser(id: id) else { throw APIError.notFound("no user \(id)") }
            notifier.forget(userID: id)
            rows?.userDeleted(id)
            return Response(status: .noContent)
        }

        // Who HTTP basic auth says the caller is (the user, never the password): 401 without it.
        router.get("/test/whoami") { request, _ in
            guard let header = request.headers[.authorization], header.hasPrefix("Basic "),
                  let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
                  let colon = decoded.firstIndex(of: ":") else {
                throw APIError.unauthorized
            }
            return JSON.response(["scheme": "Basic", "user": String(decoded[..<colon]),
                                  "passwordLength": String(decoded.distance(from: colon, to: decoded.endIndex) - 1)])
        }

        router.post("/test/ws/drop") { _, _ in
            JSON.response(["dropped": notifier.dropAll()])
        }
    }
}
