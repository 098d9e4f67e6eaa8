"""The course report links to the certificate pages of the course for the staff who may use them."""

from django.urls import reverse


def test_an_author_is_offered_the_certificates_page_and_bulk_issuing(client, people, course):
    client.force_login(people.trainer_north)
    page = client.get(reverse("course-report", args=[course.pk])).content.decode()

    assert f'href="/courses/{course.pk}/certificates/"' in page
    assert f'href="/courses/{course.pk}/certificates/issue/"' in page


def test_a_leader_is_offered_the_certificates_page_but_not_issuing(client, people, course):
    client.force_login(people.leader)
    page = client.get(reverse("course-report", args=[course.pk])).content.decode()

    assert f'href="/courses/{course.pk}/certificates/"' in page
    assert "/certificates/issue/" not in page
