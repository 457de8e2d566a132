import Hummingbird

/// `POST /jobs` queues a background job for the caller; `GET /jobs/{id}` says where it stands (404 for anyone else's).
struct JobRoutes: Sendable {
    let store: Store
    let board: JobBoard

    func register(on router: Router<BasicRequestContext>) {
        router.post("/jobs") { request, _ in
            let user = try store.authenticate(request)
            return JSON.response(board.create(owner: user.id), status: .created)
        }
        router.get("/jobs/:id") { request, context in
            let user = try store.authenticate(request)
            guard let job = board.read(try context.parameters.require("id"), owner: user.id) else {
                throw APIError.notFound("no job \(try context.parameters.require("id"))")
            }
            return JSON.response(job)
        }
    }
}
