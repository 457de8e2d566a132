import HeraldCore

/// What a scripted server pushes on a link.
enum Push: Sendable {
    /// A text frame.
    case text(String)
    /// A binary frame.
    case binary([UInt8])
    /// The connection drops.
    case drop(String)
}

/// A push to one actor's link: `to: nil` is the link the action came on.
struct Reply: Sendable {
    var to: String?
    var push: Push

    /// A text frame back on the link the action came on.
    static func back(_ text: String) -> Reply { Reply(to: nil, push: .text(text)) }
    /// A text frame on `actor`'s link of the same channel.
    static func to(_ actor: String, _ text: String) -> Reply { Reply(to: actor, push: .text(text)) }
}

extension FakeLink {
    /// Pushes `push` on this link.
    func deliver(_ push: Push) {
        switch push {
        case .text(let text): self.push(text)
        case .binary(let bytes): self.push(binary: bytes)
        case .drop(let detail): drop(detail)
        }
    }
}

extension FakeServer {
    /// A server that pushes `greeting` on every link as it opens, and answers `{"action": A}` sent on a link with
    /// `replies[A]`, in order (each on the link of its `to` actor, on the same channel). `{"action": "subscribe"}`
    /// is answered with `{"type":"subscribed"}` unless `confirms` is false.
    convenience init(greeting: [Push] = [], confirms: Bool = true, replies: [String: [Reply]] = [:]) {
        self.init { event, link, server in
            switch event {
            case .connected:
                for push in greeting { link.deliver(push) }
            case .received(let text):
                guard let action = text.action else { return }
                if action == "subscribe" {
                    if confirms { link.push(#"{"type":"subscribed"}"#) }
                    return
                }
                for reply in replies[action] ?? [] {
                    let target = reply.to.map { server.link(link.channel, $0) } ?? link
                    target?.deliver(reply.push)
                }
            }
        }
    }
}
