"""Phones: the national digits of a stored number, as phonenumbers reads them."""
import phonenumbers
import pytest

from crm.services import phones


@pytest.mark.parametrize("typed, region, national", [
    ("021-58881234", "CN", "2158881234"),
    ("0931-3671575", "CN", "9313671575"),
    ("13812345678", "CN", "13812345678"),
    ("+1 212 555 0100", "CN", "2125550100"),
    ("+39 06 6982 1234", "CN", "669821234"),  # Italy's leading zero is not a digit of it
    ("+971 4 123 4567", "CN", "41234567"),
    ("+852 2123 4567", "CN", "21234567"),
])
def test_national_digits_without_country_code_or_trunk_zero(typed, region, national):
    phone = phones.normalize(typed, region)
    assert phone.national_digits == national
    assert national == str(phonenumbers.parse(phone.e164).national_number)


def test_every_regions_example_numbers_read_as_the_library_reads_them():
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number(region)
        if example is None:
            continue
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        phone = phones.Phone(e164, e164, None, "landline")
        assert phone.national_digits == str(example.national_number), region
