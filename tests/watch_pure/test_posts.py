"""Splitting forum pages into posts: markups of common forum engines, fingerprints, new posts."""

from __future__ import annotations

import pytest

from abusedesk.watch.posts import Post, fingerprint, new_posts, split_posts

URL = "https://forum.test/threads/123"

XENFORO = """<!DOCTYPE html><html><head><title>Thread | Forum</title><script>var x = "<article class='post'>";
</script><style>.message { color: red }</style></head><body>
<nav class="p-nav"><a href="/">Forums</a> <span class="badge">{unread} unread</span></nav>
<div class="block-body js-replyNewMessageContainer">
 <article class="message message--post js-post" data-author="anon1" data-content="post-1">
  <div class="message-cell message-cell--user"><h4 class="message-name"><a class="username">anon1</a></h4></div>
  <header class="message-attribution"><time class="u-dt" datetime="2022-08-20T09:00:00+0000">{ago}</time></header>
  <div class="message-content"><article class="message-body"><div class="bbWrapper">lol look at   her
   stream<br>what a clown</div></article></div>
  <footer class="message-footer"><a class="actionBar-action">Like</a> {likes} likes</footer>
 </article>
 <article class="message message--post js-post" data-author="anon2" data-content="post-2">
  <header class="message-attribution"><time datetime="2022-08-20T12:30:00+02:00">{ago}</time></header>
  <div class="message-content"><article class="message-body"><div class="bbWrapper">
   <blockquote class="bbCodeBlock bbCodeBlock--quote" data-author="anon1"><div class="bbCodeBlock-content">
   what a clown</div></blockquote>her real name is Jane Example</div></article></div>
 </article>
</div><footer>{online} users online</footer></body></html>"""

PHPBB = """<html><body><div id="page-body">
<div id="p101" class="post has-profile bg2"><div class="inner">
 <dl class="postprofile"><dt><a href="./memberlist.php?u=2" class="username">alice</a></dt><dd>Posts: 12</dd></dl>
 <div class="postbody"><div id="post_content101"><h3><a href="#p101">Re: the streamer</a></h3>
  <p class="author"><a class="unread">by</a> <strong><a class="username">alice</a></strong> &raquo;
   <time datetime="2022-08-21T10:00:00+00:00">Sun Aug 21, 2022 10:00 am</time></p>
  <div class="content">She moved to <b>Belfast</b> apparently</div>
  <div id="sig101" class="signature">my sig</div></div></div>
</div></div>
<div id="p102" class="post has-profile bg1"><div class="inner">
 <div class="postbody"><p class="author">by <a class="username">bob</a></p>
  <div class="content">source?</div></div>
</div></div></div></body></html>"""

DISCOURSE = """<html><body><div class="post-stream">
<div class="topic-post clearfix regular" data-post-number="1"><article class="boxed onscreen-post">
 <div class="topic-avatar"><img src="/a.png"></div>
 <div class="topic-body"><div class="topic-meta-data"><span class="creator" itemprop="author">
  <a href="/u/carol"><span itemprop="name">carol</span></a></span>
  <time itemprop="datePublished" datetime="2022-08-22T08:00:00Z">Aug 22</time></div>
  <div class="regular contents"><div class="cooked" itemprop="text"><p>First paragraph.</p><p>Second one.</p>
  </div></div>
 </div></article></div>
<div class="topic-post clearfix regular" data-post-number="2"><article class="boxed">
 <span class="creator" itemprop="author"><span itemprop="name">dave</span></span>
 <div class="cooked" itemprop="text"><p>Reply</p></div></article></div>
</div></body></html>"""

GENERIC = """<html><body><ul class="posts">
<li class="post"><span class="author">erin</span> said: <p>hello there</p></li>
<li class="post"><span class="author">frank</span> <p>general  kenobi</p>
</ul></body></html>"""


def fill(page: str, *, unread: int = 3, ago: str = "2 hours ago", likes: int = 1, online: int = 40) -> str:
    return (page.replace("{unread}", str(unread)).replace("{ago}", ago).replace("{likes}", str(likes))
            .replace("{online}", str(online)))


def test_xenforo_messages_authors_times_and_visible_text() -> None:
    posts = split_posts(fill(XENFORO), URL)
    assert [(p.index, p.author) for p in posts] == [(0, "anon1"), (1, "anon2")]
    assert posts[0].text == "lol look at her stream\nwhat a clown"
    assert posts[0].posted_at == "2022-08-20T09:00:00Z"
    assert posts[1].posted_at == "2022-08-20T10:30:00Z"  # +02:00 converted to UTC
    assert "her real name is Jane Example" in posts[1].text
    assert "what a clown" in posts[1].text  # a quoted post stays part of the post quoting it
    assert all("Like" not in p.text and "unread" not in p.text and "<article" not in p.text for p in posts)


def test_phpbb_posts_use_the_content_div_and_username() -> None:
    posts = split_posts(PHPBB, URL)
    assert [(p.author, p.text, p.posted_at) for p in posts] == [
        ("alice", "She moved to Belfast apparently", "2022-08-21T10:00:00Z"), ("bob", "source?", None)]


def test_discourse_topic_posts_with_itemprop_author_and_text() -> None:
    posts = split_posts(DISCOURSE, URL)
    assert [(p.author, p.text) for p in posts] == [("carol", "First paragraph.\nSecond one."), ("dave", "Reply")]
    assert posts[0].posted_at == "2022-08-22T08:00:00Z"


def test_generic_list_posts_drop_the_author_from_the_text_and_close_unclosed_items() -> None:
    posts = split_posts(GENERIC, URL)
    assert [(p.author, p.text) for p in posts] == [("erin", "said:\nhello there"), ("frank", "general kenobi")]


def test_article_post_with_itemprop_author() -> None:
    page = ('<main><article class="post"><header><span itemprop="author">gina</span></header>'
            '<div class="post-body">Text <em>here</em></div></article></main>')
    assert [(p.author, p.text) for p in split_posts(page, URL)] == [("gina", "Text here")]


def test_microdata_author_given_as_a_meta_tag() -> None:
    page = ('<div class="comment" itemscope><span itemprop="author" itemscope><meta itemprop="name" content="kim">'
            '</span><div itemprop="text">hi</div></div>')
    assert [(p.author, p.text) for p in split_posts(page, URL)] == [("kim", "hi")]


def test_a_wrapper_article_holding_several_posts_is_a_container() -> None:
    page = ('<article><h1>Thread</h1><div class="comment"><b class="author">h</b> one</div>'
            '<div class="comment"><b class="author">i</b> two</div></article>')
    assert [(p.author, p.text) for p in split_posts(page, URL)] == [("h", "one"), ("i", "two")]


def test_scripts_styles_and_hidden_elements_are_not_text() -> None:
    page = ('<div class="post"><span class="author">j</span><div class="content">visible'
            '<script>document.write("bad")</script><style>p{}</style><span hidden>secret</span>'
            '<span style="display: none">also secret</span><noscript>nojs</noscript></div></div>')
    assert split_posts(page, URL)[0].text == "visible"


def test_without_post_markup_the_whole_page_is_one_post() -> None:
    page = "<html><head><title>x</title><script>1</script></head><body><h1>Hi</h1><p>all  of   it</p></body></html>"
    (post,) = split_posts(page, URL)
    assert (post.index, post.author, post.posted_at, post.text) == (0, "", None, "Hi\nall of it")
    assert split_posts("", URL) == []


def test_bytes_are_decoded_with_the_declared_charset() -> None:
    page = '<meta charset="iso-8859-1"><div class="post"><i class="author">k</i><p>Málaga</p></div>'
    assert split_posts(page.encode("latin-1"), URL)[0].text == "Málaga"
    assert split_posts(b'<meta charset="no-such"><p>ok</p>', URL)[0].text == "ok"


def test_time_formats() -> None:
    def when(attrs: str) -> str | None:
        return split_posts(f'<div class="post"><b class="author">a</b><time {attrs}>x</time>t</div>', URL)[0].posted_at

    assert when('datetime="2022-08-20T09:00:00Z"') == "2022-08-20T09:00:00Z"
    assert when('datetime="2022-08-20 09:00"') == "2022-08-20T09:00:00"  # no zone on the page: none invented
    assert when('data-time="1660986000"') == "2022-08-20T09:00:00Z"
    assert when('datetime="yesterday"') is None


def test_fingerprints_survive_chrome_changes_and_markup_engines() -> None:
    first = split_posts(fill(XENFORO), URL)
    later = split_posts(fill(XENFORO, unread=9, ago="3 days ago", likes=7, online=2), URL)
    assert [p.fingerprint for p in first] == [p.fingerprint for p in later]
    generic = ('<div class="post"><span class="author">ANON1</span><p>lol look at her</p>'
               '<p>stream what a clown</p></div>')
    assert split_posts(generic, URL)[0].fingerprint == first[0].fingerprint  # case and whitespace normalised


def test_fingerprint_depends_on_author_and_text() -> None:
    assert fingerprint("a", "hello") != fingerprint("b", "hello")
    assert fingerprint("a", "hello") != fingerprint("a", "hello!")
    assert fingerprint("a", "hello") == fingerprint("A", "  hello\n")
    assert len(fingerprint("a", "b")) == 64


def test_repeated_identical_posts_get_distinct_fingerprints() -> None:
    page = "".join('<div class="post"><span class="author">x</span><p>bump</p></div>' for _ in range(3))
    posts = split_posts(page, URL)
    assert len({p.fingerprint for p in posts}) == 3


def test_new_posts_returns_unseen_posts_in_page_order() -> None:
    old = split_posts(fill(XENFORO), URL)
    seen = {old[0].fingerprint}
    page = fill(XENFORO).replace("</div><footer>", '<article class="message" data-author="anon3"><div '
                                 'class="bbWrapper">she lives near Belfast</div></article></div><footer>')
    fresh = new_posts(seen, split_posts(page, URL))
    assert [(p.index, p.author) for p in fresh] == [(1, "anon2"), (2, "anon3")]
    assert seen == {old[0].fingerprint}
    assert new_posts({p.fingerprint for p in old}, old) == []


def test_post_is_frozen() -> None:
    post = split_posts("<p>x</p>", URL)[0]
    assert isinstance(post, Post)
    with pytest.raises(AttributeError):
        post.text = "y"  # type: ignore[misc]


def test_hostile_markup_does_not_break_the_parser() -> None:
    page = "</div></div><div class='post'><b class='author'>z<div class='content'>unclosed <<< &bogus; </p></b>"
    (post,) = split_posts(page, URL)
    assert post.author.startswith("z")
    assert "unclosed" in post.text
