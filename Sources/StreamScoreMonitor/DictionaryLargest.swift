extension Dictionary where Value: Comparable {
    /// The `count` entries with the largest values (all of them when there are no more).
    func largest(_ count: Int) -> [Key: Value] {
        guard self.count > count else { return self }
        return Dictionary(uniqueKeysWithValues: sorted { $0.value > $1.value }.prefix(count).map { ($0.key, $0.value) })
    }
}
