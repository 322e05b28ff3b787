# placeholder until the flags work lands
def not_reaching(case, person, medium, address_hash):
    return None
