
BsJD¾C´8¸