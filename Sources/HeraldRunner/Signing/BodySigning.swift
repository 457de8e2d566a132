import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldSigning
import HeraldTransport

extension BodySignature {
    /// The header that signs `body` (the exact bytes sent; none for an empty body): the HMAC-SHA256 keyed with the
    /// rendered secret, encoded, after the prefix. The secret and the signature are registered with `redactor`.
    func header(for body: [UInt8]?, in scope: Bindings, redactor: Redactor) throws -> HTTPHeader {
        let secret: [UInt8]
        do {
            secret = try TokenMint.secret(self.secret, secretEncoding, in: scope, redactor: redactor)
        } catch let error as SigningError {
            // A step that cannot be signed cannot run, as one whose template has no value.
            throw TemplateError(reference: self.secret.references.first?.description ?? "hmac_sha256", location: location,
                                reason: "sign: \(error.message)")
        }
        let mac = try HMACSHA256.mac(key: secret, data: body ?? [])
        let signature = (ByteEncoding(rawValue: encoding) ?? .hex).encode(mac)
        redactor.add(secret: signature)
        return HTTPHeader(header, prefix + signature)
    }
}

extension HTTPExecutor {
    /// `headers` with the step's `sign:` header added, replacing one of the same name, when it signs its body.
    func signing(_ headers: [HTTPHeader], body: [UInt8]?, _ action: HTTPAction, scope: Bindings) throws -> [HTTPHeader] {
        guard let sign = action.sign else { return headers }
        var out = headers.filter { $0.name.lowercased() != sign.header.lowercased() }
        out.append(try sign.header(for: body, in: scope, redactor: redactor))
        return out
    }
}
