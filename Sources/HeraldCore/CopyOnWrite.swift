/// A value's fields in one heap box shared by the value's copies until one of them changes (copy on write): handing
/// the value on (from a judge through the runner's slots to a result, say) is then one reference count, not a copy
/// of each of its strings, arrays and dictionaries.
///
/// A type keeps its stored fields in a `Fields` struct and forwards each property: reads borrow the shared fields
/// (`storage.fields.id`), writes go through `_modify`, which first gives this value a box of its own when another
/// value shares it.
@frozen
public struct CopyOnWrite<Fields: Sendable>: Sendable {
    /// `@unchecked Sendable` is sound: a box's `fields` change only through ``CopyOnWrite/fields``' `_modify`, which
    /// runs on a value holding the one reference to the box (it copies a shared box first); so no other value, on
    /// any thread, can see the change, and a shared box is only read.
    @usableFromInline
    final class Box: @unchecked Sendable {
        @usableFromInline var fields: Fields
        @inlinable init(_ fields: Fields) { self.fields = fields }
    }

    @usableFromInline var box: Box

    /// Boxes `fields`.
    @inlinable
    public init(_ fields: Fields) { box = Box(fields) }

    /// The fields: read in place, and copied into a box of this value's own before the first change while shared.
    @inlinable
    public var fields: Fields {
        _read { yield box.fields }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
            yield &box.fields
        }
    }

    /// Whether `other` shares this value's box (then their fields are equal without looking).
    @inlinable
    public func sharesBox(with other: CopyOnWrite<Fields>) -> Bool { box === other.box }
}
