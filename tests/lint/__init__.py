"""Our lint rules and the lint gate: each rule's valid case, its invalid case and the path."""
