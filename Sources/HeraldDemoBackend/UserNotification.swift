/// A notification to be produced: who it is for, what happened, and any extra fields.
struct NotificationDraft: Sendable {
    /// The user the notification is about and for; the `userId` field of the payload.
    let recipient: String
    /// The event type, such as `offer.accepted`.
    let type: String
    /// The id of the thing the event is about.
    let relatedId: String
    /// Extra string fields of the payload, such as `orderId`.
    var extras: [String: String] = [:]
    /// Who actually receives it (persisted and pushed), in order; normally just the recipient.
    /// Defects add to this list (a second copy, or a wrong user).
    var deliverTo: [String]
    /// Users on whose MQTT topic the notification is also mirrored, though they do not receive it anywhere else
    /// (the `wrong-topic` defect). Empty normally.
    var mirrorAlsoTo: [String] = []

    init(to recipient: String, _ type: String, relatedId: String, extras: [String: String] = [:]) {
        self.recipient = recipient
        self.type = type
        self.relatedId = relatedId
        self.extras = extras
        self.deliverTo = [recipient]
    }
}

/// A produced notification, as pushed over the WebSocket and kept in a user's list.
struct UserNotification: Sendable {
    let id: String
    let type: String
    let relatedId: String
    let userId: String
    let extras: [String: String]
    /// Whether the user marked it read (only shown in the list, not pushed).
    var read = false

    /// The JSON object pushed over the WebSocket (no `read` field).
    var pushed: PushedForm { PushedForm(notification: self) }

    /// The WebSocket form of a notification.
    struct PushedForm: Encodable, Sendable {
        let notification: UserNotification

        func encode(to encoder: any Encoder) throws {
            try notification.encode(to: encoder, includingRead: false)
        }
    }
}

extension UserNotification: Encodable {
    /// The list form: every field, including `read`.
    func encode(to encoder: any Encoder) throws {
        try encode(to: encoder, includingRead: true)
    }

    private func encode(to encoder: any Encoder, includingRead: Bool) throws {
        var container = encoder.container(keyedBy: FieldName.self)
        try container.encode(id, forKey: FieldName("id"))
        try container.encode(type, forKey: FieldName("type"))
        try container.encode(relatedId, forKey: FieldName("relatedId"))
        try container.encode(userId, forKey: FieldName("userId"))
        if includingRead { try container.encode(read, forKey: FieldName("read")) }
        for (key, value) in extras.sorted(by: { $0.key < $1.key }) {
            try container.encode(value, forKey: FieldName(key))
        }
    }
}

/// A JSON object key chosen at run time.
struct FieldName: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
