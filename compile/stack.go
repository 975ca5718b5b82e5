package compile

// expandStack is not built yet.
func (b *build) expandStack() {}
