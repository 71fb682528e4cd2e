// Jinguo: three methods added to nbgrader's assignment list (the class of its Assignments tab that holds the
// released, fetched and submitted lists) by hub/jupyterhub/singleuser/nbgrader_lab_zh.py, right after its
// handle_load_list(), which now ends by calling jinguoWatch(). A score used to show only after she pressed refresh:
// while any hand-in of hers is still being graded ("grading": true, hub/lab/exchange/learner.py) the panel asks for
// its list again every __INTERVAL_MS__ ms, only while the tab is visible to her, redraws only if the list changed,
// and stops once every hand-in is final. __REQUEST__ is nbgrader's own request function (same URL, same login).
jinguoWatch(reply) {
  clearTimeout(this.jinguoTimer);
  this.jinguoTimer = undefined;
  this.jinguoSeq = (this.jinguoSeq || 0) + 1; // a newer list is on screen: an answer asked for before it is stale
  if (!reply || !reply.success) return; // an error is shown in place of the lists; "refresh" brings them back
  this.jinguoLast = JSON.stringify(reply.value);
  const grading = (reply.value || []).some(a => (a.submissions || []).some(s => s.grading));
  if (grading) this.jinguoLater(this.jinguoCourse);
}
jinguoLater(course) {
  clearTimeout(this.jinguoTimer);
  this.jinguoTimer = setTimeout(() => this.jinguoPoll(course), __INTERVAL_MS__);
}
async jinguoPoll(course) {
  this.jinguoTimer = undefined;
  const list = this.submitted_element;
  if (!list || !list.isConnected) return; // the tab was closed
  const visible = document.visibilityState === "visible" &&
    (list.checkVisibility ? list.checkVisibility() : list.offsetParent !== null);
  // hidden (another tab in front, browser minimised) or her own load running: look again later, ask nothing
  if (!visible || this.callback) return this.jinguoLater(course);
  const seq = this.jinguoSeq;
  let reply;
  try {
    reply = await __REQUEST__("assignments?course_id=" + course, { method: "GET" });
  } catch (err) {
    console.warn("Jinguo: could not refresh the assignments list; trying again", err);
  }
  // a newer list came meanwhile (her Fetch or Submit, or another course she chose): that one is shown and watched
  if (seq !== this.jinguoSeq || course !== this.jinguoCourse || this.callback) return;
  if (!reply || !reply.success) return this.jinguoLater(course);
  if (JSON.stringify(reply.value) === this.jinguoLast) return this.jinguoWatch(reply); // unchanged: keep her view
  this.handle_load_list(reply); // draws the new list (her score) and watches again if still grading
}
