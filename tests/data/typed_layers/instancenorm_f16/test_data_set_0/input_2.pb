
BbJY8Ú,g2