from tests.conftest import sign_in


def test_officer_signs_in_and_sees_own_cases(client, demo_data):
    response = sign_in(client, "officer-north")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your cases" in html
    assert "PC Amy Clarke" in html
