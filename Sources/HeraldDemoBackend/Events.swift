/// Turns what happened in the marketplace into notifications, for the right users and in the right order,
/// and is where the switched-on ``DemoDefect``s bend those rules.
///
/// With brokers, each call first waits until the change's effects on them are done (``BrokerFeed/settle()``:
/// the order's cache key deleted, the domain events published on NATS), so nobody is told about a change whose
/// cached order is still the old one.
struct Events: Sendable {
    let notifier: Notifier
    let store: Store
    let jobs: DelayedJobs
    let defects: Set<DemoDefect>
    let slowDelay: Duration
    let feed: BrokerFeed?
    /// The `cross-talk` defect's memory of the last accept.
    let crossTalk = CrossTalk()

    /// How long the simulated payment provider takes.
    static let paymentDelay: Duration = .milliseconds(150)

    /// `request.created` for every chosen seller.
    func requestCreated(_ request: PurchaseRequest) async {
        await feed?.settle()
        notifier.publish(request.sellerIds.map { seller in
            NotificationDraft(to: seller, "request.created", relatedId: request.id, extras: ["buyerId": request.buyerId])
        })
    }

    /// `offer.created` for the request's buyer.
    func offerCreated(_ offer: Offer, buyerId: String) async {
        await feed?.settle()
        notifier.publish([NotificationDraft(to: buyerId, "offer.created", relatedId: offer.id,
                                            extras: ["requestId": offer.requestId, "sellerId": offer.sellerId])])
    }

    /// `offer.accepted` for the seller, `offer.rejected` for each seller whose pending offer lost, then
    /// `order.created` for the buyer.
    ///
    /// Defects: `duplicate` delivers `offer.accepted` twice to the seller (same notification, same id);
    /// `wrong-recipient` also delivers it, unchanged, to the first other seller who had an offer;
    /// `slow` produces it `slowDelay` later instead (with its duplicate or misdelivered copy, if any);
    /// `wrong-topic` also mirrors it to the MQTT topic of the first rejected seller (else the first other seller);
    /// `cross-talk` also delivers it to the seller of another buyer's accept made just before.
    func offerAccepted(_ outcome: AcceptOutcome) async {
        await feed?.settle()
        var accepted = NotificationDraft(to: outcome.offer.sellerId, "offer.accepted", relatedId: outcome.offer.id,
                                         extras: ["orderId": outcome.order.id, "requestId": outcome.offer.requestId])
        if defects.contains(.duplicate) { accepted.deliverTo.append(outcome.offer.sellerId) }
        if defects.contains(.wrongRecipient), let victim = outcome.firstOtherSeller { accepted.deliverTo.append(victim) }
        if defects.contains(.crossTalk),
           let victim = crossTalk.accepted(seller: outcome.offer.sellerId, buyer: outcome.order.buyerId), victim != outcome.offer.sellerId {
            accepted.deliverTo.append(victim)
        }
        if defects.contains(.wrongTopic), let victim = outcome.rejected.first?.sellerId ?? outcome.firstOtherSeller {
            accepted.mirrorAlsoTo.append(victim)
        }

        let rejected = outcome.rejected.map(Self.rejection)
        let created = NotificationDraft(to: outcome.order.buyerId, "order.created", relatedId: outcome.order.id,
                                        extras: ["offerId": outcome.offer.id, "sellerId": outcome.order.sellerId])
        if defects.contains(.slow) {
            notifier.publish(rejected + [created])
            jobs.after(slowDelay) { [notifier, accepted] in notifier.publish([accepted]) }
        } else {
            notifier.publish([accepted] + rejected + [created])
        }
    }

    /// `offer.rejected` for the seller.
    func offerRejected(_ offer: Offer) async {
        await feed?.settle()
        notifier.publish([Self.rejection(offer)])
    }

    /// `payment.processing` for the buyer now; after ``paymentDelay`` the order is paid and the buyer gets
    /// `payment.succeeded`, the seller `order.paid`.
    ///
    /// Defects: `missing-event` never produces `payment.succeeded`; `reorder` holds `payment.processing`
    /// back and produces it right after `payment.succeeded`.
    func paymentStarted(_ order: Order) async {
        await feed?.settle()
        let processing = NotificationDraft(to: order.buyerId, "payment.processing", relatedId: order.id)
        if !defects.contains(.reorder) { notifier.publish([processing]) }
        jobs.after(Self.paymentDelay) { [store, notifier, defects, feed] in
            guard let paid = store.completePayment(of: order.id) else { return }
            await feed?.settle()
            var drafts: [NotificationDraft] = []
            if !defects.contains(.missingEvent) {
                drafts.append(NotificationDraft(to: paid.buyerId, "payment.succeeded", relatedId: paid.id))
            }
            if defects.contains(.reorder) { drafts.append(processing) }
            drafts.append(NotificationDraft(to: paid.sellerId, "order.paid", relatedId: paid.id))
            notifier.publish(drafts)
        }
    }

    /// `order.delivered` for the buyer.
    func orderDelivered(_ order: Order) async {
        await feed?.settle()
        notifier.publish([NotificationDraft(to: order.buyerId, "order.delivered", relatedId: order.id)])
    }

    private static func rejection(_ offer: Offer) -> NotificationDraft {
        NotificationDraft(to: offer.sellerId, "offer.rejected", relatedId: offer.id, extras: ["requestId": offer.requestId])
    }
}
