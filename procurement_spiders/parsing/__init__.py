"""Pure parsers of portal and setting values: pt-BR money and dates, CNPJ/UASG/DFD, web users, clipped messages."""
