
BcJ¸v0L¸